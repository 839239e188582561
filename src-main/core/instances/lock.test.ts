// The per-instance lock against a real second process holding it: BUSY naming the holder
// while it lives, taken over at once when it is killed, and (for a holder whose pid means
// nothing here) taken once the lock goes stale.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { repoRoot, tempDir } from '../../../e2e/support/temp.ts';
import { runningOperation, withInstanceLock } from './lock.ts';

const holderScript = path.join(repoRoot, 'e2e', 'fixtures', 'lock-holder.ts');

/** Forks a process that takes the lock of `instanceDir` for `op`; resolves once it holds it. */
async function holdLock(instanceDir: string, op: string): Promise<ChildProcess> {
  const child = fork(holderScript, [instanceDir, op], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const locked = once(child, 'message');
  const exited = once(child, 'exit').then(([code]) => { throw new Error(`the lock holder exited (code ${String(code)}) before taking the lock`); });
  const [message] = await Promise.race([locked, exited]);
  assert.equal(message, 'locked');
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited; // reaped: its pid is gone, not a zombie
}

function busyFrom(holder: ChildProcess, op: string) {
  return (error: unknown) => {
    assert.ok(error instanceof DriverError, `expected BUSY, got ${String(error)}`);
    assert.equal(error.code, 'BUSY', error.message);
    assert.match(error.message, new RegExp(`busy with "${op}" \\(process ${holder.pid},`));
    assert.deepEqual({ op: error.details.op, pid: error.details.pid }, { op, pid: holder.pid });
    return true;
  };
}

describe('instance lock across processes', () => {
  let root: string;
  let holder: ChildProcess | undefined;

  before(async () => { root = await tempDir(); });
  afterEach(async () => { if (holder) await killHard(holder); holder = undefined; });
  after(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('refuses a second taker as BUSY, naming the operation and the holder pid, while the holder lives', async () => {
    const dir = path.join(root, 'instances', 'alive');
    holder = await holdLock(dir, 'start');
    let ran = false;
    await assert.rejects(withInstanceLock(dir, 'stop', async () => { ran = true; }), busyFrom(holder, 'start'));
    assert.equal(ran, false);
    assert.equal((await runningOperation(dir))?.op, 'start', 'others see the operation that runs');
    assert.equal((await runningOperation(dir))?.pid, holder.pid);
  });

  it('is taken at once after the holder is killed with SIGKILL, not after the lock goes stale', async () => {
    const dir = path.join(root, 'instances', 'crashed');
    holder = await holdLock(dir, 'start');
    await assert.rejects(withInstanceLock(dir, 'stop', async () => undefined), busyFrom(holder, 'start'));
    await killHard(holder);
    assert.equal(await runningOperation(dir), undefined, 'a dead holder runs nothing');
    const startedAt = performance.now();
    const result = await withInstanceLock(dir, 'stop', async () => {
      assert.equal((await runningOperation(dir))?.pid, process.pid, 'the record names the new holder');
      return 'ran';
    });
    assert.equal(result, 'ran');
    assert.ok(performance.now() - startedAt < 2_000, 'no wait for the 5 s stale threshold');
    // Released properly: a third taker gets it too.
    assert.equal(await withInstanceLock(dir, 'start', async () => 'again'), 'again');
  });

  it('outwaits a gate left by a process killed inside it, instead of failing with ELOCKED', async () => {
    const dir = path.join(root, 'instances', 'gated');
    // What a SIGKILL between taking the gate and releasing it leaves: the gate's lock folder.
    const gate = path.join(root, 'instances', '.locks', 'gate', 'gated');
    await fs.mkdir(gate, { recursive: true });
    const startedAt = performance.now();
    assert.equal(await withInstanceLock(dir, 'start', async () => 'ran'), 'ran');
    assert.ok(performance.now() - startedAt > 3_000, 'the gate was honoured until it went stale');
  });

  it('judges a holder recorded on another host by the lock age only: BUSY after it dies, free once stale', async () => {
    const dir = path.join(root, 'instances', 'remote');
    holder = await holdLock(dir, 'delete');
    const recordFile = path.join(root, 'instances', '.locks', 'operation', 'remote');
    const record = JSON.parse(await fs.readFile(recordFile, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(recordFile, JSON.stringify({ ...record, host: 'some-other-host' }));
    await killHard(holder);
    const killedAt = performance.now();
    // Its pid is dead here, but a pid from another host says nothing about that host's process.
    await assert.rejects(withInstanceLock(dir, 'start', async () => undefined), busyFrom(holder, 'delete'));
    // The lock ages into staleness (5 s after its last refresh): retry until then, bounded.
    const deadline = Date.now() + 15_000;
    let outcome: string | undefined;
    while (outcome === undefined) {
      outcome = await withInstanceLock(dir, 'start', async () => 'taken').catch((error: unknown) => {
        if (error instanceof DriverError && error.code === 'BUSY' && Date.now() < deadline) return undefined;
        throw error;
      });
      if (outcome === undefined) await delay(100);
    }
    assert.ok(performance.now() - killedAt > 3_000, 'not taken over early on the strength of a foreign pid');
  });
});
