// The driver as the engine runs it: main.ts forked with fork IPC. A VM must outlive a killed
// driver process, and a fresh driver process must re-attach to it from the instance folder.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLink, StreamHub, wrapLink } from '../sdk/index.ts';
import type { DriverEvent, DriverRpc, Remote } from '../sdk/index.ts';
import { ACCEL_ENV } from './accelerator.ts';
import { instancePaths } from './paths.ts';
import { isAlive } from './process.ts';
import { buildTestGuest, guestSpec, killFromPidFiles, removeDir, StreamReader, tempDir } from './test-support/guest.ts';
import { startedPid } from '../sdk/test-support/started.ts';

const entry = path.join(import.meta.dirname, 'main.ts');

interface DriverProcess {
  child: ChildProcess;
  driver: Remote<DriverRpc>;
  streams: StreamHub;
  events: DriverEvent[];
}

/** Forks main.ts the way the engine does and configures it. TCG via the env override: no probe. */
async function startDriver(cacheDir: string): Promise<DriverProcess> {
  const child = fork(entry, [], { serialization: 'advanced', env: { ...process.env, [ACCEL_ENV]: 'tcg' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // As the engine's link does: nothing is sent to a driver that is gone (this test kills one
  // mid-run), and a send racing its death reports to the callback, not as an uncaught error.
  const link = createLink((frame) => { if (child.connected) child.send(frame, () => undefined); }, (deliver) => {
    child.on('message', deliver);
    return () => child.off('message', deliver);
  });
  const events: DriverEvent[] = [];
  link.onFrame((frame) => { if (frame.ch === 'event') events.push(frame.event as DriverEvent); });
  const driver = wrapLink<DriverRpc>(link);
  assert.equal((await driver.hello()).name, 'qemu');
  await driver.configure({ cacheDir });
  return { child, driver, streams: new StreamHub(link), events };
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** The process group of a pid (field 5 of /proc/PID/stat). */
async function processGroup(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('qemu driver process (main.ts)', () => {
  let root: string;
  const children: ChildProcess[] = [];
  let pidFile = '';

  before(async () => { root = await tempDir('main'); });
  after(async () => {
    await Promise.all(children.map(kill));
    await killFromPidFiles(pidFile);
    await removeDir(root);
  });

  it('keeps the VM running across a driver crash and re-attaches to it', async () => {
    const spec = guestSpec(root, await buildTestGuest());
    pidFile = instancePaths(spec).pidFile;
    const cacheDir = path.join(root, 'cache');

    const first = await startDriver(cacheDir);
    children.push(first.child);
    await first.driver.create(spec);
    const started = await first.driver.start(spec);
    const pid = startedPid(started);
    assert.deepEqual(started, { pid: started.pid, accelerator: 'tcg', acceleratorNote: `set by ${ACCEL_ENV}` });
    // Detached: neither the driver's child nor in its process group.
    assert.notEqual(await processGroup(pid), await processGroup(first.child.pid ?? 0));
    const boot = new StreamReader(first.streams, 'boot');
    await first.driver.openConsole(spec, 'boot');
    await boot.waitFor('CORRAL-GUEST-READY');

    await kill(first.child);
    assert.equal(await isAlive(pid), true, 'the VM outlives the driver');

    const second = await startDriver(cacheDir);
    children.push(second.child);
    assert.deepEqual(await second.driver.inspect(spec), { state: 'Running', pid: started.pid, accelerator: 'tcg' });
    const console = new StreamReader(second.streams, 'again');
    await second.driver.openConsole(spec, 'again');
    second.streams.write('again', new TextEncoder().encode('echo $((6*7))\n'));
    await console.waitFor(/^42\r?$/m);

    await second.driver.stop(spec, { force: false, timeoutMs: 30_000 });
    assert.equal(await isAlive(pid), false);
    assert.deepEqual(await second.driver.inspect(spec), { state: 'Stopped' });
    assert.equal(console.ended, true);
    assert.deepEqual(second.events, []);
    await second.driver.delete(spec);
  });
});
