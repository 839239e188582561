// The web shell's redirect and limits, over real HTTP and WebSocket on loopback with a real
// Engine: the token-to-cookie redirect leads only to a path on this server; uploaded driver
// bundles waiting for a decision are capped in number and bytes, refused with a clear 4xx that
// leaves nothing half-written behind; a page that sends console input without waiting for the
// engine's answers has that console ended, its socket and other consoles untouched.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, tempDir, writeTemplate } from './support/temp.ts';
import { request } from './support/raw-http.ts';
import { openRawSocket } from './support/ws-raw.ts';
import { Engine } from '../src-main/core/engine.ts';
import { startServer } from '../src-main/server/server.ts';
import type { RunningServer } from '../src-main/server/server.ts';

describe('corral serve: redirect and upload limits', () => {
  let root: string;
  let engine: Engine;
  let server: RunningServer;
  let uploads: string;
  const kib = 1024;

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), extraDrivers: [{ name: 'console-fixture', entry: path.join(repoRoot, 'e2e/ui/fixtures/console-driver.ts') }] });
    server = await startServer({ engine, port: 0, staticDir: root, uploadLimits: { count: 3, bytes: 250 * kib } });
    uploads = path.join(root, 'home', 'tmp', 'uploads');
  });
  after(async () => {
    await server.close();
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('redirects the token step only to a path on this server', async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    const tries: [string, string][] = [
      ['/.//evil.example/', '/evil.example/'], ['//evil.example/', '/'], ['/./\\evil.example/', '/evil.example/'],
      ['/%2F%2Fevil.example/', '/%2F%2Fevil.example/'], ['/a/..//evil.example/x', '/evil.example/x'], ['/instances/vm1', '/instances/vm1'],
    ];
    for (const [asked, expected] of tries) {
      const reply = await request(server.port, `${asked}?token=${server.token}&tab=console`);
      assert.equal(reply.status, 303, asked);
      const location = String(reply.headers.location);
      assert.equal(location, `${expected}?tab=console`, asked);
      assert.equal(new URL(location, origin).origin, origin, `${asked} must stay on ${origin}, not go to ${location}`);
    }
  });

  const upload = (bytes: number, name = 'x.corral-driver') => request(server.port, `/upload/driver-bundle?name=${name}`, {
    method: 'POST', headers: { Authorization: `Bearer ${server.token}` }, body: Buffer.alloc(bytes, 7),
  });
  const pending = async () => (await fs.readdir(uploads)).length;

  it('refuses an upload that would take the waiting bytes over the cap (413), keeping nothing of it', async () => {
    assert.equal((await upload(100 * kib)).status, 200);
    assert.equal((await upload(100 * kib)).status, 200);
    const over = await upload(100 * kib);
    assert.equal(over.status, 413, over.body);
    const error = (JSON.parse(over.body) as { error: { message: string } }).error;
    assert.equal(error.message, 'driver bundle refused: uploads waiting for a decision already hold 200 KiB (at most 250 KiB); install or cancel them first');
    assert.equal(await pending(), 2, 'the refused upload left no folder behind');
  });

  it('refuses an upload once too many wait for a decision (429), keeping nothing of it', async () => {
    assert.equal((await upload(10 * kib)).status, 200);
    const refused = await upload(1);
    assert.equal(refused.status, 429, refused.body);
    assert.match((JSON.parse(refused.body) as { error: { message: string } }).error.message, /^3 uploaded driver bundles are already waiting for a decision \(at most 3\)/);
    assert.equal(await pending(), 3);
  });

  it('ends a console whose page sends over 1 MiB of input unanswered, and only that console', { timeout: 60_000 }, async () => {
    await engine.create('held', { template: await writeTemplate(root, { vmType: 'console-fixture', cpus: 1, memory: '256MiB', disk: '1GiB' }) });
    await engine.start('held');
    const socket = await openRawSocket(server.port, '/ws', { Authorization: `Bearer ${server.token}`, Origin: `http://127.0.0.1:${server.port}` });
    const sendJson = (message: object) => socket.send({ opcode: 1, payload: Buffer.from(JSON.stringify(message)) });
    const typed = (text: string) => sendJson({ type: 'console-write', id: 'c1', data: Buffer.from(text).toString('base64') });
    sendJson({ type: 'console-open', id: 'c1', name: 'held' });
    await socket.next((m) => m.includes('"console-opened"'));
    typed('sink 9000000 hold\r'); // the fixture's socket peer stops reading: writes stay unanswered once it is full
    await socket.next((m) => m.includes('console-data') && Buffer.from((JSON.parse(m) as { data: string }).data, 'base64').toString().includes('sink ready'));
    const piece = Buffer.alloc(16 * 1024, 0x61).toString('base64');
    for (let i = 0; i < 160; i++) sendJson({ type: 'console-write', id: 'c1', data: piece }); // 2.5 MiB, not waiting
    const ended = JSON.parse(await socket.next((m) => m.includes('"console-ended"'))) as { reason: string };
    assert.match(ended.reason, /^more than 1048576 bytes of input were sent without waiting for console-written$/);
    sendJson({ type: 'console-open', id: 'c2', name: 'held' });
    await socket.next((m) => m.includes('"console-opened"') && m.includes('"c2"'));
    assert.equal((await request(server.port, '/api/listInstances', { method: 'POST', headers: { Authorization: `Bearer ${server.token}` } })).status, 200);
    socket.socket.destroy(); // the held sink stays with the fixture's process, which the engine ends in after()
  });
});
