// The driver host's restart policy and its log file. The host logic is real; for the backoff
// the process layer is varied: a back end whose process exits at once (a driver that crashes
// on start) alternates with the real fork back end running the scripted test driver, and a
// fake clock stands in for time, so the waits are read rather than slept.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { createLink } from '../../../src-drivers/sdk/link.ts';
import { fixtureDriver, tempDir } from '../../../e2e/support/temp.ts';
import { DriverHost } from './host.ts';
import type { HostClock } from './host.ts';
import { forkDriverProcess } from './process.ts';
import type { DriverProcess, SpawnDriverProcess } from './process.ts';

/** Time that moves only when told to, or by the waits the host asks for (which it records). */
class FakeClock implements HostClock {
  time = 1_000_000;
  readonly sleeps: number[] = [];
  now = () => this.time;
  sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.time += ms;
  };
}

/** A driver process that dies before it answers anything. */
const exitsAtOnce = (): DriverProcess => ({
  pid: undefined,
  link: createLink(() => undefined, () => () => undefined),
  exited: Promise.resolve({ code: 1, signal: null }),
  kill: () => undefined,
});

describe('driver host restarts', () => {
  let root: string;
  before(async () => { root = await tempDir(); });
  after(async () => { await fs.rm(root, { recursive: true, force: true }); });

  it('waits 250 ms × 2^n between restarts of a crashing driver, at most 10 s, and starts over after a long healthy run', async () => {
    const clock = new FakeClock();
    let healthy = false;
    const spawn: SpawnDriverProcess = (options) => healthy ? forkDriverProcess(options) : exitsAtOnce();
    const host = new DriverHost({ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }, { spawn, logDir: path.join(root, 'logs'), cacheDir: path.join(root, 'cache'), clock });
    const crashOnce = () => assert.rejects(host.handshake(), (error: unknown) => error instanceof DriverError && error.code === 'DRIVER_CRASHED');
    try {
      for (let i = 0; i < 9; i++) await crashOnce();
      assert.deepEqual(clock.sleeps, [250, 500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000], 'no wait before the first start; then doubling, capped at 10 s');

      // A driver that comes up but dies again within 30 s is still crashing: the wait stays at the cap.
      clock.sleeps.length = 0;
      healthy = true;
      assert.equal((await host.handshake()).name, 'scripted');
      clock.time += 5_000;
      await host.kill();
      healthy = false;
      await crashOnce();
      assert.deepEqual(clock.sleeps, [10_000, 10_000], 'before the healthy start, and after its early death');

      // One that ran healthily for over 30 s before it died: its crash counts as a first one.
      healthy = true;
      await host.handshake();
      clock.time += 31_000;
      await host.kill();
      healthy = false;
      clock.sleeps.length = 0;
      await crashOnce();
      await crashOnce();
      assert.deepEqual(clock.sleeps, [250, 500], 'the backoff starts over at 250 ms');
    } finally {
      await host.dispose();
    }
  });

  it('really waits between restarts with the default clock', async () => {
    const spawnedAt: number[] = [];
    const spawn: SpawnDriverProcess = () => {
      spawnedAt.push(performance.now());
      return exitsAtOnce();
    };
    const host = new DriverHost({ name: 'crasher', entry: 'unused' }, { spawn, logDir: path.join(root, 'logs'), cacheDir: path.join(root, 'cache') });
    for (let i = 0; i < 3; i++) await assert.rejects(host.handshake(), /DRIVER_CRASHED|exited/);
    const gaps = spawnedAt.slice(1).map((t, i) => t - (spawnedAt[i] ?? 0));
    assert.ok((gaps[0] ?? 0) >= 240 && (gaps[1] ?? 0) >= 490, `restart gaps ${gaps.map(Math.round).join(', ')} ms; expected about 250 and 500`);
    assert.ok((gaps[1] ?? 0) < 5_000, 'capped well below the 10 s ceiling this early');
  });
});
