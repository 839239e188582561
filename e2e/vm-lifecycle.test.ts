// A real QEMU guest through the engine API: the whole lifecycle, console included, and the
// driver process killed under a running VM.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../src-main/core/engine.ts';
import type { ConsoleSession } from '../src-main/core/console.ts';
import { ConsoleText, readyMarker, writeGuestTemplate } from './support/guest.ts';
import { alive, waitForExit } from './support/processes.ts';
import { tempDir } from './support/temp.ts';
import { treeSnapshot } from './support/tree.ts';
import { startedPid } from '../src-drivers/sdk/test-support/started.ts';

async function attach(engine: Engine, name: string): Promise<{ session: ConsoleSession; console: ConsoleText }> {
  const session = await engine.openConsole(name);
  const console = new ConsoleText();
  session.onData((bytes) => console.push(bytes));
  return { session, console };
}

/** Types a command and waits for its output; returns where the output starts. */
async function run(session: ConsoleSession, console: ConsoleText, command: string, expected: RegExp): Promise<void> {
  const from = console.text.length;
  session.write(Buffer.from(`${command}\n`));
  await console.waitFor(expected, from);
}

describe('a QEMU guest through the engine', () => {
  let root: string;
  let engine: Engine;
  let template: string;
  const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache'); // shared, so the accelerator probe runs once

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), cache });
    template = await writeGuestTemplate(root);
  });
  after(async () => {
    for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('boots, answers on the console, pauses, resumes, stops gracefully, restarts, force-stops and deletes', async () => {
    const { instance } = await engine.create('guest', { template });
    assert.equal(instance.state, 'Stopped');

    const started = await engine.start('guest');
    assert.match(started.accelerator, /^(tcg|kvm|hvf|whpx)$/);
    assert.equal((await engine.inspect('guest')).state, 'Running');
    const { session, console } = await attach(engine, 'guest');
    await console.waitFor(readyMarker);
    await run(session, console, 'echo $((6*7))', /\r?\n42\r?\n/);

    await engine.pause('guest');
    assert.equal((await engine.inspect('guest')).state, 'Paused');
    const beforeResume = console.text.length;
    session.write(Buffer.from('echo resumed-$((40+2))\n'));
    await engine.resume('guest');
    await console.waitFor('resumed-42', beforeResume); // typed while paused, answered after resume
    assert.equal((await engine.inspect('guest')).state, 'Running');

    await engine.stop('guest');
    assert.equal((await engine.inspect('guest')).state, 'Stopped');
    const log = await fs.readFile(path.join(instance.dir, 'serial.log'), 'utf8');
    assert.match(log, /reboot: Power down/, 'the guest powered itself off (ACPI), it was not killed');
    await session.close();

    await engine.start('guest');
    const second = await attach(engine, 'guest');
    await second.console.waitFor(readyMarker); // keys typed before the shell runs are lost
    await run(second.session, second.console, 'echo again-$((1+1))', /again-2/);
    await engine.stop('guest', { force: true });
    assert.equal((await engine.inspect('guest')).state, 'Stopped');
    await assert.rejects(engine.stop('guest'), /not running/);

    await engine.delete('guest');
    await assert.rejects(fs.stat(instance.dir), 'the instance folder is gone');
    assert.deepEqual(await engine.list(), []);
  });

  it('keeps the VM when the driver process is killed, and re-attaches', async () => {
    await engine.create('survivor', { template });
    const vmPid = startedPid(await engine.start('survivor'));
    const first = await attach(engine, 'survivor');
    await first.console.waitFor(readyMarker);

    const driverPid = await engine.drivers.host('qemu').pid();
    assert.ok(driverPid);
    process.kill(driverPid, 'SIGKILL');
    await waitForExit(driverPid);
    assert.ok(alive(vmPid), 'the VM outlives its driver process');

    const status = await engine.inspect('survivor');
    assert.equal(status.state, 'Running');
    assert.notEqual(await engine.drivers.host('qemu').pid(), driverPid, 'a new driver process answers');
    const second = await attach(engine, 'survivor');
    await second.console.waitFor(readyMarker); // the new driver replays this boot's output
    await run(second.session, second.console, 'echo reattached-$((2*21))', /reattached-42/);
    await engine.stop('survivor', { force: true });
    assert.equal(alive(vmPid), false);
    await engine.delete('survivor');
  });

  it('ends the driver process on a graceful close while the VM keeps running for the next engine', async () => {
    await engine.create('outlives', { template });
    const closing = new Engine({ home: engine.paths.home, cache });
    const vmPid = startedPid(await closing.start('outlives'));
    const driverPid = await closing.drivers.host('qemu').pid();
    assert.ok(driverPid);
    await closing.close();
    assert.equal(alive(driverPid), false, 'close() ended the driver process');
    assert.ok(alive(vmPid), 'the VM outlives the engine that started it');
    assert.equal((await engine.inspect('outlives')).state, 'Running');
    await engine.delete('outlives', { force: true });
    assert.equal(alive(vmPid), false);
  });

  it('refuses bad names, bad configs, starting a running instance and deleting it without force, changing nothing', async () => {
    const home = path.join(root, 'home');
    const { instance } = await engine.create('busy', { template });
    /** `operation` must be refused with `pattern`, leaving the home's tree as it was. */
    const refused = async (operation: () => Promise<unknown>, pattern: RegExp, options: { vmRunning?: boolean } = {}) => {
      const before = await treeSnapshot(home, options);
      await assert.rejects(operation(), pattern);
      assert.deepEqual(await treeSnapshot(home, options), before);
    };
    await refused(() => engine.create('../escape', { template }), /invalid instance name/);
    await refused(() => engine.create('busy', { template }), /already exists/);
    await refused(() => engine.create('tiny', { template, memory: 'lots' }), /"lots" is not a size/);
    await refused(() => engine.start('busy-typo'), /no instance named "busy-typo"/);
    await engine.start('busy');
    // While it runs, the guest keeps writing serial.log: compare what a refusal could wrongly change.
    await refused(() => engine.start('busy'), /"busy" is Running; only a stopped instance can be started/, { vmRunning: true });
    await refused(() => engine.delete('busy'), /stop it first, or delete with --force/, { vmRunning: true });
    assert.equal((await engine.inspect('busy')).state, 'Running');
    await engine.delete('busy', { force: true });
    await assert.rejects(fs.stat(instance.dir));
  });
});
