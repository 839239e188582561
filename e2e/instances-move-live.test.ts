// The instances folder moved by the CLI while a long-lived engine runs (what `corral serve` and
// the Electron shell are: an Engine watching its store), and while other processes add
// instances:
// - the running engine follows the move: its list names the new folder, and instances the CLI
//   creates and deletes afterwards reach its event stream (before, its watch of the old folder,
//   which a link replaces, went silent);
// - a create from another process while the move copies is refused with one line and lands
//   nowhere; a move while another process is making an instance is refused, naming it;
// - a real `corral serve` follows a move the CLI makes: its HTTP list names the new folder, and
//   a create from the CLI afterwards reaches its event stream and its list.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../src-main/core/engine.ts';
import { withInstanceLock } from '../src-main/core/instances/lock.ts';
import { moveInBackground, nextEvent, writeSparse } from './instances-move-support.ts';
import { writeGuestTemplate } from './support/guest.ts';
import { runToEnd } from './support/processes.ts';
import { corralBin, startServe } from './support/serve.ts';
import { tempDir } from './support/temp.ts';
import { ensureRendererBuilt } from './ui/renderer-build.ts';
import WebSocket from 'ws';

const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

describe('corral instances move with a running engine and other processes', () => {
  let root: string;
  let home: string;
  let shm: string;
  let template: string;
  let engine: Engine;
  const env = { ...process.env, CORRAL_CACHE: cache };
  const corral = (...args: string[]) => runToEnd(process.execPath, [corralBin, '--home', home, ...args], { env });
  const listed = async () => (await engine.list()).map((i) => [i.name, i.dir]).sort();
  const changed = () => nextEvent(engine, (e) => e.type === 'instances-changed');

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    shm = await fs.mkdtemp('/dev/shm/corral-instances-live-');
    await fs.rmdir(shm);
    template = await writeGuestTemplate(root);
    engine = new Engine({ home, cache });
    engine.watch(); // as `corral serve` and the Electron shell do
    await engine.create('first', { template });
  });
  after(async () => {
    await engine.close();
    await fs.rm(shm, { recursive: true, force: true });
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
  });

  it('a running engine follows a move made by the CLI; later creates and deletes reach its events', { timeout: 300_000 }, async () => {
    const followed = nextEvent(engine, (e) => e.type === 'driver-log' && e.message === `the instances folder moved to ${shm}`);
    const moved = await corral('instances', 'move', shm);
    assert.equal(moved.code, 0, moved.stderr);
    await followed;
    assert.deepEqual(await listed(), [['first', path.join(shm, 'first')]]);

    const created = changed();
    const made = await corral('create', 'second', '--template', template);
    assert.equal(made.code, 0, made.stderr);
    await created;
    assert.deepEqual(await listed(), [['first', path.join(shm, 'first')], ['second', path.join(shm, 'second')]]);

    const deleted = changed();
    const gone = await corral('delete', 'second');
    assert.equal(gone.code, 0, gone.stderr);
    await deleted;
    assert.deepEqual(await listed(), [['first', path.join(shm, 'first')]]);
  });

  it('a create from another process during the move is refused and lands nowhere', { timeout: 300_000 }, async () => {
    // An 8 GiB mostly-empty disk makes the copy (from /dev/shm to this disk) last a while, and the
    // mover is paused (SIGSTOP) mid-copy while the create runs, so it cannot finish first; it
    // resumes well before its lock could go stale (10 s after its last refresh, made every second).
    await writeSparse(path.join(shm, 'first', 'data.raw'), 8 * 1024 ** 3, 1024 ** 3, Buffer.alloc(4096, 1));
    const back = path.join(root, 'back');
    const move = moveInBackground(home, back, env);
    await move.progressBetween(10, 60);
    move.child.kill('SIGSTOP');
    const refused = await corral('create', 'third', '--template', template).finally(() => move.child.kill('SIGCONT'));
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr, 'corral: instance "third" was not made: the instances folder is being moved; try again once the move has ended\n');
    const ended = await move.ended;
    assert.equal(ended.code, 0, ended.stderr);
    for (const folder of [shm, back]) await assert.rejects(fs.stat(path.join(folder, 'third')), { code: 'ENOENT' });
    const made = await corral('create', 'third', '--template', template);
    assert.equal(made.code, 0, made.stderr);
    await fs.access(path.join(back, 'third', 'lima.yaml'));
  });

  it('a move while another process makes an instance is refused, naming it, and changes nothing', { timeout: 120_000 }, async () => {
    const elsewhere = path.join(root, 'elsewhere');
    // This process holds the new instance's lock as a create does, while the CLI tries to move.
    const refused = await withInstanceLock(path.join(root, 'back', 'fourth'), 'create', () => corral('instances', 'move', elsewhere));
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr, 'corral: the instances folder was not moved: instance "fourth" is being made; try again once that has ended\n');
    await assert.rejects(fs.stat(elsewhere), { code: 'ENOENT' });
    const moved = await corral('instances', 'move', elsewhere);
    assert.equal(moved.code, 0, moved.stderr);
  });

  it('corral serve follows a move made by the CLI: its list and its event stream', { timeout: 300_000 }, async () => {
    await ensureRendererBuilt();
    const serve = await startServe({ ...env, CORRAL_HOME: home });
    const base = `http://127.0.0.1:${serve.url.port}`;
    const socket = new WebSocket(`ws://127.0.0.1:${serve.url.port}/ws`, { headers: { Authorization: `Bearer ${serve.token}`, Origin: base } });
    try {
      await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
      const listedByServe = async () => {
        const response = await fetch(`${base}/api/listInstances`, { method: 'POST', headers: { Authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' }, body: '{}' });
        const body = (await response.json()) as { ok: boolean; value: { name: string }[] };
        assert.ok(body.ok, JSON.stringify(body));
        return body.value.map((i) => i.name).sort();
      };
      const final = path.join(root, 'final');
      const moved = await corral('instances', 'move', final);
      assert.equal(moved.code, 0, moved.stderr);
      const announced = new Promise<void>((resolve) => {
        socket.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString('utf8')) as { type: string; event?: { type: string; name?: string } };
          if (message.type === 'event' && message.event?.type === 'instance-status' && message.event.name === 'fifth') resolve();
        });
      });
      const made = await corral('create', 'fifth', '--template', template);
      assert.equal(made.code, 0, made.stderr);
      await announced; // the spec's timeout ends a wait for an event that never comes
      assert.ok((await listedByServe()).includes('fifth'));
      await fs.access(path.join(final, 'fifth', 'lima.yaml'));
    } finally {
      socket.close();
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });
});
