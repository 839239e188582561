// `corral serve` against store trouble, through its HTTP API as the page calls it: a create
// whose values the config could not hold is refused with nothing written, and an instance
// whose lima.yaml cannot be read lists as Broken, deletes, and never ends the server (its
// folder watch inspects every instance that appears).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { guestTemplate } from './support/guest.ts';
import { repoRoot, tempDir } from './support/temp.ts';
import { ensureRendererBuilt } from './ui/renderer-build.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');

interface Listed { name: string; state: string; reason?: string }

describe('corral serve with an unreadable instance', () => {
  let root: string;
  let home: string;
  let template: string;
  let serve: ChildProcessByStdio<null, Readable, null>;
  let exited: Promise<number | null>;
  let base: URL;
  let token: string;

  async function call<T>(method: string, body: unknown = {}): Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }> {
    const response = await fetch(new URL(`/api/${method}`, base), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await response.json()) as { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
  }
  async function listed(): Promise<Listed[]> {
    const result = await call<Listed[]>('listInstances');
    assert.ok(result.ok, `listInstances failed: ${JSON.stringify(result)}`);
    return result.value;
  }

  before(async () => {
    await ensureRendererBuilt();
    root = await tempDir();
    home = path.join(root, 'home');
    template = await guestTemplate();
    serve = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
      env: { ...process.env, CORRAL_HOME: home, CORRAL_CACHE: path.join(root, 'cache') }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    exited = new Promise((resolve) => serve.once('exit', (code) => resolve(code)));
    const lines = readline.createInterface({ input: serve.stdout });
    for await (const line of lines) {
      const address = /(http:\/\/\S+)/.exec(line)?.[1];
      if (!address) continue;
      base = new URL(address);
      token = base.searchParams.get('token') ?? '';
      break;
    }
    assert.ok(token, 'serve printed its address with a token');
  });
  after(async () => {
    if (serve.exitCode === null) {
      serve.kill('SIGTERM');
      await exited;
    }
    await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses a create the loader could not read back, lists an unreadable instance as Broken, deletes it, and keeps serving', async () => {
    const refused = await call('create', { name: 'huge', template, cpus: 9999 });
    assert.deepEqual(refused.ok ? 'created' : refused.error.message, '--cpus 9999 is more than 512, the most an instance can have');
    assert.deepEqual(await listed(), []);
    assert.deepEqual(await fs.readdir(path.join(home, 'instances')).catch(() => []).then((e) => e.filter((n) => n !== '.locks')), [], 'nothing was written');

    // An instance folder whose lima.yaml the loader refuses lands whole, as a create's would.
    const aside = path.join(home, 'instances', '.by-hand');
    await fs.mkdir(aside, { recursive: true });
    await fs.writeFile(path.join(aside, 'lima.yaml'), `${await fs.readFile(template, 'utf8')}\ncpus: 9999\n`.replace(/^cpus: 1$/m, ''));
    await fs.rename(aside, path.join(home, 'instances', 'unreadable'));
    const [broken] = await listed();
    assert.equal(broken?.name, 'unreadable');
    assert.equal(broken?.state, 'Broken');
    assert.match(broken?.reason ?? '', /field "cpus"/);

    const created = await call('create', { name: 'beside', template });
    assert.ok(created.ok, JSON.stringify(created));
    assert.deepEqual((await listed()).map((i) => [i.name, i.state]), [['beside', 'Stopped'], ['unreadable', 'Broken']]);
    assert.ok((await call('delete', { name: 'unreadable' })).ok);
    assert.ok((await call('delete', { name: 'beside' })).ok);
    assert.deepEqual(await listed(), []);
    assert.equal(serve.exitCode, null, 'the server still runs');
  });
});
