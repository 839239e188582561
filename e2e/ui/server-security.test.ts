// The web shell's security boundary, over real HTTP and WebSocket on loopback, with a real
// Engine and the scripted driver: token, Origin, Host and path checks, and typed errors.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { fixtureDriver, tempDir, writeTemplate } from '../support/temp.ts';
import { request } from '../support/raw-http.ts';
import { Engine } from '../../src-main/core/engine.ts';
import type { ServerMessage } from '../../src-main/api/contract.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';

/** Opens a WebSocket and settles with 'open' or the HTTP status of the refusal. */
function connect(port: number, headers: Record<string, string>): Promise<{ status: number | 'open'; socket: WebSocket }> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ status: 'open', socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, socket }));
    socket.once('error', reject);
  });
}

describe('corral serve: security', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer;
  let template: string;
  let origin: string;
  let auth: Record<string, string>;

  before(async () => {
    root = await tempDir();
    const staticDir = path.join(root, 'static');
    await fs.mkdir(staticDir);
    await fs.writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Corral</title>');
    await fs.writeFile(path.join(root, 'secret.txt'), 'SECRET');
    await fs.symlink(path.join(root, 'secret.txt'), path.join(staticDir, 'link.txt'));
    engine = new Engine({ home: path.join(root, 'home'), extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }] });
    template = await writeTemplate(root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    server = await startServer({ engine, port: 0, staticDir });
    origin = `http://127.0.0.1:${server.port}`;
    auth = { Authorization: `Bearer ${server.token}` };
  });
  after(async () => {
    await server.close();
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('prints a loopback URL carrying a long random token', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}$/);
  });

  it('answers 401 without a token or with a wrong one, for pages and API calls alike', async () => {
    const variants: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong' }, { Cookie: `corral_token_${server.port}=wrong` }];
    for (const headers of variants) {
      assert.equal((await request(server.port, '/', { headers })).status, 401);
      assert.equal((await request(server.port, '/api/listInstances', { method: 'POST', headers })).status, 401);
    }
    assert.equal((await request(server.port, '/?token=wrong')).status, 401);
  });

  it('trades the URL token for an HttpOnly SameSite=Strict cookie that then opens the page', async () => {
    const first = await request(server.port, `/?token=${server.token}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']?.[0]);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await request(server.port, '/', { headers: { Cookie: cookie.split(';')[0] ?? '' } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>Corral/);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
  });

  it('serves API calls with the bearer token, and errors as the engine raised them', async () => {
    const list = await request(server.port, '/api/listInstances', { method: 'POST', headers: auth });
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body), { ok: true, value: [] });
    const missing = await request(server.port, '/api/start', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'ghost' }) });
    assert.equal(missing.status, 404);
    const body = JSON.parse(missing.body) as { ok: false; error: { code: string; message: string } };
    assert.equal(body.error.code, 'NOT_FOUND');
    assert.match(body.error.message, /no instance named "ghost"/);
    const bad = await request(server.port, '/api/create', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'x', cpus: 'two' }) });
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.body) as { error: { code: string } }).error.code, 'INVALID_CONFIG');
  });

  it('refuses cross-origin POSTs and foreign Host headers (DNS rebinding)', async () => {
    const cross = await request(server.port, '/api/listInstances', { method: 'POST', headers: { ...auth, Origin: 'http://evil.example' } });
    assert.equal(cross.status, 403);
    const rebound = await request(server.port, '/', { headers: { ...auth, Host: `evil.example:${server.port}` } });
    assert.equal(rebound.status, 421);
  });

  it('refuses paths that would escape the renderer folder', async () => {
    const escapes = [
      '/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/.%2e/secret.txt',
      '/assets/../../secret.txt', '/..%5csecret.txt', '/%2e%2e%5csecret.txt', `/${encodeURIComponent(path.join(root, 'secret.txt'))}`,
      `/${path.join(root, 'secret.txt')}`, '//etc/passwd', '/%00', '/%E0%A4%A', '/link.txt',
    ];
    for (const escape of escapes) {
      const reply = await request(server.port, escape, { headers: auth });
      assert.ok(reply.status === 400 || reply.status === 404, `${escape} answered ${reply.status}`);
      assert.doesNotMatch(reply.body, /SECRET|root:/, escape);
    }
  });

  it('refuses WebSocket upgrades without the token or from another Origin', async () => {
    assert.equal((await connect(server.port, { Origin: origin })).status, 401);
    assert.equal((await connect(server.port, { ...auth, Origin: 'http://evil.example' })).status, 403);
    assert.equal((await connect(server.port, { ...auth, Origin: `http://127.0.0.1:${server.port + 1}` })).status, 403);
    assert.equal((await connect(server.port, auth)).status, 403, 'no Origin at all');
  });

  it('accepts its own page on the WebSocket and pushes engine events to it', async () => {
    const { status, socket } = await connect(server.port, { ...auth, Origin: origin });
    assert.equal(status, 'open');
    const seen: ServerMessage[] = [];
    const running = new Promise<void>((resolve) => {
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw)) as ServerMessage;
        seen.push(message);
        if (message.type === 'event' && message.event.type === 'instance-status' && message.event.state === 'Running') resolve();
      });
    });
    await engine.create('ws-1', { template });
    await engine.start('ws-1');
    await running;
    assert.ok(seen.some((m) => m.type === 'event' && m.event.type === 'instances-changed'));
    socket.close();
    await engine.delete('ws-1', { force: true });
  });

  it('closes a socket that sends a malformed message', async () => {
    const { socket } = await connect(server.port, { ...auth, Origin: origin });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'console-write', id: 'x', data: 'not base64!!' }));
    assert.equal(await closed, 1008);
  });
});
