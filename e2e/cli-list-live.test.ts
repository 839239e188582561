// `corral list` from live facts (src-main/core/instances/run-record.ts): for a built-in driver's
// instance it answers Stopped, Running and Paused from the engine's run record and the VM
// process, without starting a driver process, and asks the driver whenever the record leaves
// doubt. One tiny guest, booted once, through bin/corral.js (the bundle when it is built).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { guestTemplate } from './support/guest.ts';
import { waitForExit } from './support/processes.ts';
import { tempDir } from './support/temp.ts';

describe('corral list from live facts', () => {
  let root: string;
  let home: string;
  let run: CorralRunner;
  const corral = async (...args: string[]): Promise<string> => {
    const result = await run(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const driverLog = () => path.join(home, 'logs', 'driver-qemu.log');
  // Every driver process start opens its log and sets its mode, which moves the file's ctime.
  const driverStarts = async (): Promise<bigint> => (await fs.stat(driverLog(), { bigint: true })).ctimeNs;
  /** `list --json`'s entry for the instance, and whether a driver process was started for it. */
  async function listed(): Promise<{ state: string; accelerator?: string; driverStarted: boolean }> {
    const before = await driverStarts();
    const [entry] = JSON.parse(await corral('list', '--json')) as { state: string; accelerator?: string }[];
    assert.ok(entry);
    return { state: entry.state, ...(entry.accelerator ? { accelerator: entry.accelerator } : {}), driverStarted: (await driverStarts()) !== before };
  }
  const dir = () => path.join(home, 'instances', 'live');

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    run = corralRunner(home, path.join(root, 'cache'), { env: { CORRAL_QEMU_ACCEL: 'tcg' } });
    await corral('create', 'live', '--template', await guestTemplate());
  });
  after(async () => {
    await run(['delete', 'live', '--force']);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('says Stopped for a new instance without starting its driver', async () => {
    assert.deepEqual(await listed(), { state: 'Stopped', driverStarted: false });
  });

  it('says Running, then Paused and Running again, without starting its driver', async () => {
    await corral('start', 'live', '--no-wait');
    assert.deepEqual(await listed(), { state: 'Running', accelerator: 'tcg', driverStarted: false });
    await corral('pause', 'live');
    assert.deepEqual(await listed(), { state: 'Paused', accelerator: 'tcg', driverStarted: false });
    await corral('resume', 'live');
    assert.deepEqual(await listed(), { state: 'Running', accelerator: 'tcg', driverStarted: false });
  });

  it('asks the driver when the record is in doubt (a start killed before it recorded its VM)', async () => {
    const record = path.join(dir(), 'run.json');
    const saved = await fs.readFile(record, 'utf8');
    await fs.writeFile(record, JSON.stringify({ state: 'starting' }));
    try {
      assert.deepEqual(await listed(), { state: 'Running', accelerator: 'tcg', driverStarted: true });
    } finally {
      await fs.writeFile(record, saved);
    }
  });

  it('says Stopped once the VM process has ended by itself, without starting its driver', async () => {
    const pid = Number((await fs.readFile(path.join(dir(), 'qemu.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid);
    assert.deepEqual(await listed(), { state: 'Stopped', driverStarted: false });
  });

  it('says Stopped after a stop through corral, without starting its driver', async () => {
    await corral('start', 'live', '--no-wait');
    await corral('stop', 'live', '--force');
    assert.deepEqual(await listed(), { state: 'Stopped', driverStarted: false });
  });
});
