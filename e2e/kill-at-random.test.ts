// Store operations survive being killed at any point: an engine process running a create,
// clone, rename or snapshot with the real QEMU driver is SIGKILLed after a random (seeded)
// delay, and then the store must list, every instance must be whole or absent (never half
// made), no staging folder may survive the next operation, and that name must work again.
// CORRAL_KILL_SEED=N replays a run; the seed is in the test's diagnostics.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../src-drivers/sdk/errors.ts';
import { Engine } from '../src-main/core/engine.ts';
import { guestTemplate } from './support/guest.ts';
import { childrenOf, waitForExit } from './support/processes.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const opScript = path.join(repoRoot, 'e2e', 'fixtures', 'engine-op.ts');
const seed = Number(process.env.CORRAL_KILL_SEED ?? Date.now() % 1_000_000);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function random(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The first operation on a name after a kill. A kill between taking an instance's lock and
 * recording its holder leaves a lock that no record explains: it is freed once stale (5 s,
 * lock.ts), and until then the name answers BUSY with no holder. Only that waits, bounded by
 * the stale time; anything else must work at once.
 */
async function afterKill<T>(operation: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5_000 + 3_000;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      const orphanedLock = error instanceof DriverError && error.code === 'BUSY' && error.details.pid === null;
      if (!orphanedLock || Date.now() > deadline) throw error;
      await delay(250);
    }
  }
}

type Kind = 'create' | 'clone' | 'rename' | 'snapshot';
/**
 * Kill delays are drawn from [0, bound]; a bound starts near an operation's length here and
 * shrinks to the length seen whenever a kill comes too late, so most kills land inside one.
 */
const delayBound: Record<Kind, number> = { create: 400, clone: 300, rename: 60, snapshot: 300 };

describe('store operations killed at random points', () => {
  let root: string;
  let home: string;
  let template: string;
  let engine: Engine;
  const next = random(seed);

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    process.env.CORRAL_CACHE ??= path.join(root, 'cache');
    template = await guestTemplate();
    engine = new Engine({ home, health: { intervalMs: 0, timeoutMs: 10_000 } });
    await engine.create('base', { template });
  });
  after(async () => {
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  /** Runs `op` in an engine process and SIGKILLs it a random time after it is ready; says whether it finished first. */
  async function killPartWay(kind: Kind, args: [string, string]): Promise<{ finished: boolean; afterMs: number }> {
    const child = fork(opScript, [home, kind, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = once(child, 'exit');
    let finished = false;
    child.on('message', (message) => {
      const took = /^done (\d+)$/.exec(String(message))?.[1];
      if (took === undefined) return;
      finished = true;
      delayBound[kind] = Math.min(delayBound[kind], Number(took));
    });
    const [ready] = await Promise.race([once(child, 'message'), exited.then(() => ['exited'])]);
    assert.equal(ready, 'ready', `the ${kind} process exited before its driver answered`);
    const drivers = childrenOf(child.pid ?? -1);
    const afterMs = Math.round(next() * delayBound[kind]);
    await delay(afterMs); // the random kill point itself, not a wait for something to happen
    child.kill('SIGKILL');
    await exited; // reaped, so its pid is gone
    for (const pid of drivers) await waitForExit(pid); // its driver follows it, with whatever it was doing
    return { finished, afterMs };
  }

  /** An instance that is listed is whole: readable config, its disk, and a driver that finds it Stopped. */
  async function assertWhole(name: string): Promise<void> {
    const listed = (await engine.list()).find((i) => i.name === name);
    assert.equal(listed?.state, 'Stopped', `${name}: ${listed?.state} ${listed?.reason ?? ''}`);
    await fs.access(path.join(home, 'instances', name, 'disk.qcow2'));
  }

  async function assertNoStaging(): Promise<void> {
    const left = (await fs.readdir(path.join(home, 'instances'))).filter((entry) => entry.startsWith('.creating-'));
    assert.deepEqual(left, [], 'no staging folder survives the next operation');
  }

  async function names(): Promise<string[]> {
    return (await engine.list()).map((i) => i.name); // the next operation: it must work, and it tidies
  }

  it('leaves every instance whole or absent, and the name usable, after each kill', async (t) => {
    t.diagnostic(`seed ${seed} (CORRAL_KILL_SEED=${seed} replays it)`);
    // Create and clone (the operations that stage a folder) twice, rename and snapshot once.
    const kinds: Kind[] = ['create', 'clone', 'rename', 'snapshot', 'clone', 'create'];
    for (const [round, kind] of kinds.entries()) {
      const target = `${kind}-${round}`;
      if (kind === 'create' || kind === 'clone') {
        const { finished, afterMs } = await killPartWay(kind, kind === 'create' ? [target, template] : ['base', target]);
        t.diagnostic(`${kind} killed after ${afterMs} ms${finished ? ' (it had finished)' : ''}`);
        const present = (await names()).includes(target);
        await assertNoStaging();
        if (finished) assert.ok(present, 'a finished operation is kept');
        if (present) await assertWhole(target);
        else if (kind === 'create') await afterKill(() => engine.create(target, { template }));
        else await afterKill(() => engine.clone('base', target));
        await assertWhole(target);
        await afterKill(() => engine.delete(target));
      } else if (kind === 'rename') {
        await engine.clone('base', target);
        const renamed = `${target}-renamed`;
        const { finished, afterMs } = await killPartWay(kind, [target, renamed]);
        t.diagnostic(`rename killed after ${afterMs} ms${finished ? ' (it had finished)' : ''}`);
        const listed = (await names()).filter((name) => name === target || name === renamed);
        assert.equal(listed.length, 1, `exactly one of the two names is listed, got ${listed.join(', ') || 'none'}`);
        const [now = ''] = listed;
        await assertWhole(now);
        const other = now === target ? renamed : target;
        await afterKill(() => engine.rename(now, other)); // the name it did not end with is free and works
        await assertWhole(other);
        await engine.delete(other);
      } else {
        const tag = `tag-${round}`;
        const { finished, afterMs } = await killPartWay(kind, ['base', tag]);
        t.diagnostic(`snapshot killed after ${afterMs} ms${finished ? ' (it had finished)' : ''}`);
        await assertWhole('base');
        const taken = (await engine.listSnapshots('base')).some((s) => s.tag === tag);
        if (finished) assert.ok(taken, 'a finished snapshot is kept');
        if (taken) await afterKill(() => engine.deleteSnapshot('base', tag));
        else await afterKill(() => engine.createSnapshot('base', tag));
        await assertWhole('base');
      }
      await assertNoStaging();
    }
    assert.deepEqual(await names(), ['base']);
  });
});
