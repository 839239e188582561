// `corral serve` as a user runs it: the real command in its own process on a temp CORRAL_HOME,
// the address it prints opened over HTTP, a bad flag refused in one line, and SIGTERM ending it
// with no driver process left behind.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { childrenOf, waitForExit } from './support/processes.ts';
import { corralBin, printed } from './support/serve.ts';
import { tempDir } from './support/temp.ts';
import { ensureRendererBuilt } from './ui/renderer-build.ts';

const bin = corralBin;

describe('corral serve (the command)', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let serve: ChildProcessWithoutNullStreams;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let url: URL;

  before(async () => {
    await ensureRendererBuilt();
    root = await tempDir();
    env = { ...process.env, CORRAL_HOME: path.join(root, 'home'), CORRAL_CACHE: path.join(root, 'cache') };
    serve = spawn(process.execPath, [bin, 'serve', '--port', '0'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => serve.once('exit', (code, signal) => resolve({ code, signal })));
    const [, address] = await printed(serve, /^\s+(http:\/\/\S+)$/m);
    url = new URL(address ?? '');
  });

  after(async () => {
    if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    await fs.rm(root, { recursive: true, force: true });
  });

  it('prints a ready-to-open address on 127.0.0.1 that carries a token', () => {
    assert.equal(url.hostname, '127.0.0.1');
    assert.ok(Number(url.port) > 0, `a real port, not ${url.port}`);
    assert.match(url.searchParams.get('token') ?? '', /^[\w-]{32,}$/);
  });

  it('opens the app from that address: the token becomes a cookie, then the page loads', async () => {
    const opened = await fetch(url, { redirect: 'manual' });
    assert.equal(opened.status, 303);
    const cookie = opened.headers.get('set-cookie')?.split(';')[0] ?? '';
    assert.match(cookie, /^corral_token_\d+=/);
    const page = await fetch(new URL(opened.headers.get('location') ?? '/', url.origin), { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /<title>Corral<\/title>/);
    assert.match(html, /<div id="root">/);
  });

  it('refuses a request without the token, or with a wrong one', async () => {
    assert.equal((await fetch(new URL('/', url.origin))).status, 401);
    assert.equal((await fetch(new URL('/?token=wrong', url.origin), { redirect: 'manual' })).status, 401);
    assert.equal((await fetch(new URL('/api/listInstances', url.origin), { method: 'POST', body: '{}' })).status, 401);
  });

  it('ends cleanly on SIGTERM, leaving no driver process', async () => {
    // Asking for the drivers starts their processes, so there is something to leave behind.
    const drivers = await fetch(new URL('/api/listDrivers', url.origin), {
      method: 'POST', headers: { authorization: `Bearer ${url.searchParams.get('token') ?? ''}`, 'content-type': 'application/json' }, body: '{}',
    });
    assert.equal(drivers.status, 200, await drivers.clone().text());
    const driverPids = childrenOf(serve.pid ?? -1);
    assert.ok(driverPids.length > 0, 'the engine runs its drivers as child processes');
    serve.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
    for (const pid of driverPids) await waitForExit(pid);
  });

  it('refuses a port that is not a number with one line naming the flag', async () => {
    const result = await promisify(execFile)(process.execPath, [bin, 'serve', '--port', 'abc'], { env }).then(
      () => assert.fail('corral serve --port abc succeeded'),
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.deepEqual(result.stderr.trimEnd().split('\n'), ['corral: --port must be a number from 0 to 65535, not "abc"']);
  });
});
