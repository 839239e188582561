// The engine against real driver processes (the scripted test driver and one that speaks an
// old protocol): store, locking, error transport, crash recovery and the handshake.
import assert from 'node:assert/strict';
import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { existsSync, watch } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import { alive } from '../../e2e/support/processes.ts';
import { fixtureDriver, repoRoot, tempDir, writeTemplate } from '../../e2e/support/temp.ts';
import { Engine } from './engine.ts';
import { forkDriverProcess } from './drivers/process.ts';
import { runningAgent } from './hostagent/spawn.ts';
import type { EngineEvent } from './events.ts';
import { countCalls, nextStatus } from './test-support/engine-watch.ts';
import type { DriverHost } from './drivers/host.ts';
import type { InstanceSpec } from '../../src-drivers/sdk/protocol.ts';

const drivers = [
  { name: 'scripted', entry: fixtureDriver('scripted-driver.ts') },
  { name: 'old', entry: fixtureDriver('old-protocol-driver.ts') },
  // Declaring ssh, so its starts get a host agent: a process a delete must end.
  { name: 'booting', entry: fixtureDriver('scripted-driver.ts'), spawn: (options: Parameters<typeof forkDriverProcess>[0]) => forkDriverProcess({ ...options, env: { ...process.env, CORRAL_SCRIPTED_SSH: '1' } }) },
];

function rejectsWith(code: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DriverError, `expected a DriverError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

describe('engine with a scripted driver', () => {
  let root: string;
  let engine: Engine;
  let template: string;

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), extraDrivers: drivers, health: { intervalMs: 0, timeoutMs: 2_000 } }); // a hello answers in ms; 2 s is room for a loaded machine, and the hang test waits it once
    template = await writeTemplate(root, { vmType: 'scripted', cpus: 2, memory: '256MiB', disk: '1GiB' });
  });
  after(async () => {
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('runs a VM whose driver reports no pid, and tells its state from the driver', async () => {
    await engine.create('nopid-1', { template });
    const started = await engine.start('nopid-1');
    assert.equal(started.pid, undefined);
    assert.equal((await engine.inspect('nopid-1')).state, 'Running');
    assert.equal((await engine.list()).find((i) => i.name === 'nopid-1')?.state, 'Running');
    await engine.stop('nopid-1');
    assert.equal((await engine.inspect('nopid-1')).state, 'Stopped');
    await engine.delete('nopid-1');
  });

  it('creates, runs through the lifecycle and deletes', async () => {
    const { instance } = await engine.create('vm1', { template });
    assert.equal(instance.state, 'Stopped');
    assert.equal(instance.memoryBytes, 256 * 1024 ** 2);
    assert.ok(await fs.stat(path.join(instance.dir, 'scripted-disk')));
    await engine.start('vm1');
    assert.equal((await engine.inspect('vm1')).state, 'Running');
    await assert.rejects(engine.start('vm1'), rejectsWith('INVALID_STATE', /vm1" is Running/));
    await engine.pause('vm1');
    assert.equal((await engine.inspect('vm1')).state, 'Paused');
    await engine.resume('vm1');
    await assert.rejects(engine.delete('vm1'), rejectsWith('INVALID_STATE', /stop it first, or delete with --force/));
    assert.ok(await fs.stat(instance.dir), 'a refused delete leaves the instance in place');
    await engine.stop('vm1');
    await engine.delete('vm1');
    await assert.rejects(fs.stat(instance.dir));
    assert.deepEqual(await engine.list(), []);
  });

  it('refuses bad names and configs, writing nothing', async () => {
    await assert.rejects(engine.create('../escape', { template }), rejectsWith('INVALID_NAME'));
    await assert.rejects(engine.create('big', { template, cpus: 16 }), (error: unknown) => {
      rejectsWith('INVALID_CONFIG', /at most 8 CPUs/)(error);
      assert.equal((error as DriverError).details.field, 'cpus');
      return true;
    });
    await assert.rejects(engine.create('mem', { template, memory: 'lots' }), rejectsWith('INVALID_CONFIG', /--memory "lots" is not a size/));
    const badYaml = path.join(root, 'bad.yaml');
    await fs.writeFile(badYaml, 'images:\n  - location: /x\ncpus: two\n');
    await assert.rejects(engine.create('bad', { template: badYaml }), rejectsWith('INVALID_CONFIG', /bad\.yaml:3: field "cpus"/));
    await assert.rejects(engine.create('nodriver', { template, driver: 'nope' }), rejectsWith('NOT_FOUND', /driver "nope" is not installed/));
    const wrongDigest = path.join(root, 'digest.yaml');
    await fs.writeFile(wrongDigest, `vmType: scripted\nimages:\n  - location: ${path.join(root, 'image.raw')}\n    digest: sha256:${'0'.repeat(64)}\n`);
    await assert.rejects(engine.create('dig', { template: wrongDigest }), rejectsWith('DIGEST_MISMATCH', /but sha256:0{64} was expected/));
    const entries = await fs.readdir(engine.paths.instances).catch(() => []);
    assert.deepEqual(entries.filter((e) => e !== '.locks'), [], 'no instance folder or staging folder is left');
  });

  it('lists an instance whose lima.yaml cannot be read as Broken, with the reason, while the others list and work, and deletes it', async () => {
    await engine.create('fine-1', { template });
    const { instance } = await engine.create('unreadable-1', { template });
    const config = path.join(instance.dir, 'lima.yaml');
    await fs.writeFile(config, (await fs.readFile(config, 'utf8')).replace(/^cpus: \d+$/m, 'cpus: 9999'));
    const listed = await engine.list();
    assert.deepEqual(listed.map((i) => [i.name, i.state]), [['fine-1', 'Stopped'], ['unreadable-1', 'Broken']]);
    assert.match(listed[1]?.reason ?? '', /unreadable-1\/lima\.yaml:\d+: field "cpus": .*512.*corral delete unreadable-1/);
    assert.equal(listed[1]?.vmType, 'scripted', 'the driver its lima.yaml still names');
    // Its logs still read: the driver's entries and the folder's own.
    await fs.writeFile(path.join(instance.dir, 'serial.log'), 'last words\n');
    assert.deepEqual((await engine.readLogs('unreadable-1')).map((l) => [l.name, l.text]), [['driver scripted', ''], ['serial.log', 'last words\n']]);
    await assert.rejects(engine.start('unreadable-1'), rejectsWith('INVALID_CONFIG', /field "cpus"/));
    await engine.start('fine-1');
    await engine.stop('fine-1');
    await engine.edit('fine-1', { cpus: 1 });
    await engine.delete('unreadable-1');
    await assert.rejects(fs.stat(instance.dir), 'the folder is gone');
    assert.deepEqual((await engine.list()).map((i) => i.name), ['fine-1']);
    await engine.delete('fine-1');
  });

  it('lists an instance whose driver is not installed as Broken, and deletes it', async () => {
    const { instance } = await engine.create('orphaned-1', { template });
    const config = path.join(instance.dir, 'lima.yaml');
    await fs.writeFile(config, (await fs.readFile(config, 'utf8')).replace(/^vmType: scripted$/m, 'vmType: uninstalled'));
    const listed = (await engine.list()).find((i) => i.name === 'orphaned-1');
    assert.equal(listed?.state, 'Broken');
    assert.match(listed?.reason ?? '', /driver "uninstalled" is not installed/);
    assert.equal(listed?.driverMissing, true, 'front ends are told installing the driver recovers it');
    const notHere = (action: string) => rejectsWith('INVALID_STATE', new RegExp(`^"orphaned-1" needs a driver that is not here \\(driver "uninstalled" is not installed \\(installed: [^)]*\\)\\), so Corral cannot ${action}\\. Install that driver \\(corral driver install FILE, or the app's Drivers page\\) to use the instance again, or delete the instance; .*may remain$`));
    await assert.rejects(engine.start('orphaned-1'), notHere('start it'));
    await assert.rejects(engine.stop('orphaned-1', { force: true }), notHere('stop it'));
    await assert.rejects(engine.rename('orphaned-1', 'orphaned-2'), notHere('rename it'));
    const { warnings } = await engine.delete('orphaned-1');
    assert.match(warnings.join('\n'), /^the uninstalled driver could not delete the VM of "orphaned-1" \(driver "uninstalled" is not installed .*\): what it made outside the instance folder .* may remain/, 'what a missing driver made is not removed, and the user is told');
    await assert.rejects(fs.stat(instance.dir), 'the folder is gone');
  });

  it('lists the others when a folder no instance could be named holds a lima.yaml, or lima.yaml is a folder', async () => {
    await engine.create('beside-odd', { template });
    const odd = path.join(engine.paths.instances, 'not a name');
    await fs.mkdir(odd);
    await fs.copyFile(path.join(engine.paths.instances, 'beside-odd', 'lima.yaml'), path.join(odd, 'lima.yaml'));
    assert.deepEqual((await engine.list()).map((i) => i.name), ['beside-odd']);
    await fs.rm(odd, { recursive: true });
    const folderConfig = path.join(engine.paths.instances, 'folder-config');
    await fs.mkdir(path.join(folderConfig, 'lima.yaml'), { recursive: true });
    assert.deepEqual((await engine.list()).map((i) => [i.name, i.state, i.reason]),
      [['beside-odd', 'Stopped', undefined], ['folder-config', 'Broken', `cannot read ${path.join(folderConfig, 'lima.yaml')} (EISDIR); fix it, or delete the instance with: corral delete folder-config`]]);
    // The problem apart from the CLI's remedy, for the app to word its own.
    const unreadable = (await engine.list()).find((i) => i.name === 'folder-config');
    assert.equal(unreadable?.configProblem, `cannot read ${path.join(folderConfig, 'lima.yaml')} (EISDIR)`);
    // No driver is named, so none is claimed (Lima's default would be QEMU); its own logs still read.
    assert.deepEqual([unreadable?.vmType, unreadable?.connection], [undefined, undefined]);
    await fs.writeFile(path.join(folderConfig, 'serial.log'), 'last words\n');
    assert.deepEqual(await engine.readLogs('folder-config'), [{ name: 'serial.log', text: 'last words\n' }]);
    await engine.delete('folder-config');
    await assert.rejects(fs.stat(folderConfig), 'the folder is gone');
    await engine.delete('beside-odd');
  });

  it('reports an unreadable instance that appears while watched as Broken, and keeps running', async () => {
    const { instance } = await engine.create('model-1', { template });
    engine.watch();
    const broken = new Promise<string | undefined>((resolve) => {
      const off = engine.events.on((event) => {
        if (event.type === 'instance-status' && event.name === 'watched-1' && event.state === 'Broken') { off(); resolve(event.reason); }
      });
    });
    // Made aside and moved in whole, the way another process's create lands.
    const aside = path.join(engine.paths.instances, '.made-by-hand');
    await fs.mkdir(aside);
    await fs.writeFile(path.join(aside, 'lima.yaml'), (await fs.readFile(path.join(instance.dir, 'lima.yaml'), 'utf8')).replace(/^cpus: \d+$/m, 'cpus: 9999'));
    await fs.rename(aside, path.join(engine.paths.instances, 'watched-1'));
    assert.match(await broken ?? '', /field "cpus"/);
    await engine.delete('watched-1');
    await engine.delete('model-1');
  });

  it('refuses an edit the loader would not read back, changing nothing', async () => {
    const { instance } = await engine.create('edit-big', { template });
    const before = await fs.readFile(path.join(instance.dir, 'lima.yaml'), 'utf8');
    await assert.rejects(engine.edit('edit-big', { cpus: 9999 }), rejectsWith('INVALID_CONFIG', /--cpus 9999 is more than 512/));
    await assert.rejects(engine.edit('edit-big', { memory: '0' }), rejectsWith('INVALID_CONFIG', /--memory "0" is not a size/));
    assert.equal(await fs.readFile(path.join(instance.dir, 'lima.yaml'), 'utf8'), before);
    assert.equal((await engine.inspect('edit-big')).state, 'Stopped');
    await engine.delete('edit-big');
  });

  it('keeps names that look like lock files apart from the locks of other instances', async () => {
    await engine.create('vm', { template });
    for (const name of ['vm.lock', 'vm.operation.json', 'vm.gate.lock']) await engine.create(name, { template });
    await engine.start('vm');
    assert.equal((await engine.inspect('vm')).state, 'Running');
    await engine.stop('vm');
    await engine.start('vm.lock');
    assert.deepEqual((await engine.list()).map((i) => [i.name, i.state]),
      [['vm', 'Stopped'], ['vm.gate.lock', 'Stopped'], ['vm.lock', 'Running'], ['vm.operation.json', 'Stopped']]);
    for (const name of ['vm', 'vm.lock', 'vm.operation.json', 'vm.gate.lock']) await engine.delete(name, { force: true });
  });

  it('removes staging folders whose create or clone died, keeps those still being filled, and cache prune reports them', async () => {
    const instances = engine.paths.instances;
    const dead = path.join(instances, '.creating-ghost-deadbeef');
    await fs.mkdir(dead, { recursive: true });
    await fs.writeFile(path.join(dead, 'disk'), Buffer.alloc(64 * 1024, 1));
    const live = path.join(instances, '.creating-alive-0badc0de');
    await fs.mkdir(live);
    const holder = fork(path.join(repoRoot, 'e2e', 'fixtures', 'lock-holder.ts'), [path.join(instances, 'alive'), 'create'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    try {
      await once(holder, 'message'); // it holds alive's create lock, as a running create does
      await engine.list();
      assert.equal(existsSync(dead), false, 'the dead create\'s folder is gone after the next operation');
      assert.equal(existsSync(live), true, 'a create still running keeps its folder');
      const pruned = await engine.pruneCache();
      assert.deepEqual(pruned.staging.map((s) => [s.name, s.path]), [['ghost', dead]]);
      assert.ok((pruned.staging[0]?.bytes ?? 0) >= 64 * 1024, 'it says how much space came back');
    } finally {
      const exited = once(holder, 'exit');
      holder.kill('SIGKILL');
      await exited;
    }
    await engine.list();
    assert.equal(existsSync(live), false, 'once its holder is gone, it goes too');
  });

  it('keeps its home and the driver logs owner-only, like the secrets in them', async () => {
    await engine.create('modes-1', { template }); // its driver ran, with its stderr in its log
    const mode = async (file: string) => ((await fs.stat(file)).mode & 0o777).toString(8);
    assert.equal(await mode(engine.paths.home), '700');
    assert.equal(await mode(engine.paths.logs), '700');
    assert.equal(await mode(engine.drivers.host('scripted').logFile), '600');
    await engine.delete('modes-1');
  });

  it('refuses a duplicate name', async () => {
    await engine.create('dup', { template });
    await assert.rejects(engine.create('dup', { template }), rejectsWith('ALREADY_EXISTS'));
    await engine.delete('dup');
  });

  it('keeps the code and details of a driver error across the process boundary', async () => {
    await engine.create('fail-1', { template });
    await assert.rejects(engine.start('fail-1'), (error: unknown) => {
      rejectsWith('VM_FAILED', /the hypervisor refused/)(error);
      assert.deepEqual((error as DriverError).details, { exitCode: 7, hint: 'none' });
      return true;
    });
    await engine.delete('fail-1');
  });

  it('reports a driver crash during a call, naming the log that holds its stderr, and starts a fresh driver for the next one', async () => {
    await engine.create('crash-1', { template });
    const host = engine.drivers.host('scripted');
    const firstPid = await host.pid();
    assert.equal(host.logFile, path.join(engine.paths.logs, 'driver-scripted.log'));
    await assert.rejects(engine.start('crash-1'), (error: unknown) => {
      rejectsWith('DRIVER_CRASHED', /exited \(code 3\) during start/)(error);
      assert.ok((error as DriverError).message.includes(`its log is ${host.logFile}`), (error as DriverError).message);
      return true;
    });
    const log = await fs.readFile(host.logFile, 'utf8');
    assert.match(log, /scripted driver: crashing on purpose while starting crash-1\n/, 'the driver\'s stderr is in its log file');
    assert.equal((await engine.inspect('crash-1')).state, 'Stopped');
    assert.notEqual(await host.pid(), firstPid, 'a new driver process answers');
    await engine.delete('crash-1');
  });

  it('shows Starting while a start runs in another operation, and refuses a second one as BUSY', async () => {
    const { instance } = await engine.create('slow-1', { template });
    const starting = engine.start('slow-1');
    await waitFor(async () => (await engine.inspect('slow-1')).state === 'Starting');
    await assert.rejects(engine.stop('slow-1'), rejectsWith('BUSY', /busy with "start"/));
    await fs.writeFile(path.join(instance.dir, 'release'), '');
    await starting;
    assert.equal((await engine.inspect('slow-1')).state, 'Running');
    await engine.delete('slow-1', { force: true });
  });

  it('restarts a hung driver found by a health check', async () => {
    await engine.create('hang-1', { template });
    const host = engine.drivers.host('scripted');
    assert.equal(await host.checkHealth(), 'healthy');
    const hungPid = await host.pid();
    const instance = await engine.inspect('hang-1');
    const hanging = waitForFile(path.join(instance.dir, 'hanging'));
    const starting = engine.start('hang-1');
    await hanging;
    assert.equal(await host.checkHealth(), 'restarted');
    await assert.rejects(starting, rejectsWith('DRIVER_CRASHED', /during start/));
    assert.notEqual(await host.pid(), hungPid);
    assert.equal((await engine.inspect('hang-1')).state, 'Stopped');
    await engine.delete('hang-1');
  });

  it('reports changes another engine makes to the same store, without polling', async () => {
    engine.watch();
    const other = new Engine({ home: engine.paths.home, extraDrivers: drivers, health: { intervalMs: 0, timeoutMs: 2_000 } });
    try {
      const seen: string[] = [];
      const running = new Promise<number>((resolve) => {
        const off = engine.events.on((event) => {
          if (event.type === 'instance-status' && event.name === 'shared') {
            seen.push(event.state);
            if (event.state === 'Running') { off(); resolve(performance.now()); }
          }
        });
      });
      await other.create('shared', { template });
      await other.start('shared');
      const started = performance.now();
      // The bound for another front end's change reaching the UI: within a second.
      assert.ok((await running) - started < 1000, `Running reported ${Math.round((await running) - started)} ms after the other engine's start returned`);
      assert.equal(seen.at(-1), 'Running');
      const gone = new Promise<void>((resolve) => {
        const off = engine.events.on((event) => {
          if (event.type === 'instances-changed') { off(); resolve(); }
        });
      });
      await other.delete('shared', { force: true });
      await gone;
      assert.deepEqual((await engine.list()).map((i) => i.name), []);
    } finally {
      await other.close();
    }
  });

  it('appends driver log events to the driver log file, with a timestamp and level, and still announces them', async () => {
    await engine.create('stubborn-1', { template });
    await engine.start('stubborn-1');
    const announced = new Promise<string>((resolve) => {
      const off = engine.events.on((event) => {
        if (event.type === 'driver-log') { off(); resolve(`${event.driver} ${event.level} ${event.message}`); }
      });
    });
    await engine.stop('stubborn-1');
    assert.equal(await announced, 'scripted warn stubborn-1: did not power off; ending the VM');
    const log = await fs.readFile(engine.drivers.host('scripted').logFile, 'utf8');
    assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[warn\] stubborn-1: did not power off; ending the VM$/m);
    await engine.delete('stubborn-1');
  });

  it('lists an instance its driver reports broken as Broken, with the reason', async () => {
    await engine.create('broken-1', { template });
    await engine.start('broken-1');
    const listed = (await engine.list()).find((i) => i.name === 'broken-1');
    assert.equal(listed?.state, 'Broken');
    assert.equal(listed?.reason, 'the scripted hypervisor lost its VM');
    await engine.delete('broken-1', { force: true });
  });

  it('refuses to reshape or delete a VM its driver reports broken until it is force stopped, saying so', async () => {
    await engine.create('broken-2', { template });
    await engine.start('broken-2');
    await assert.rejects(engine.rename('broken-2', 'renamed-2'), rejectsWith('INVALID_STATE', /^instance "broken-2" is Broken; force stop it \(corral stop --force broken-2\) before renaming it$/));
    await assert.rejects(engine.edit('broken-2', { cpus: 1 }), rejectsWith('INVALID_STATE', /is Broken; force stop it \(corral stop --force broken-2\) before editing it$/));
    await assert.rejects(engine.delete('broken-2'), rejectsWith('INVALID_STATE', /^instance "broken-2" is Broken; force stop it first, or delete with --force$/));
    await engine.stop('broken-2', { force: true });
    assert.equal((await engine.inspect('broken-2')).state, 'Stopped');
    await engine.edit('broken-2', { cpus: 1 });
    await engine.rename('broken-2', 'renamed-2');
    await engine.delete('renamed-2');
  });

  it('deletes an instance whose driver cannot answer for its VM only with force, ending its host agent and warning of what may remain', async () => {
    const folder = path.join(root, 'booting'); // writeTemplate's file name is fixed: not over the others' template
    await fs.mkdir(folder, { recursive: true });
    const { instance } = await engine.create('lost-1', { template: await writeTemplate(folder, { vmType: 'booting', cpus: 1, memory: '256MiB', disk: '1GiB' }) });
    await engine.start('lost-1');
    const agent = await runningAgent(instance.dir);
    assert.ok(agent && alive(agent.pid), 'its boot started a host agent');
    await fs.writeFile(path.join(instance.dir, 'unreachable'), ''); // the driver loses its hypervisor
    const listed = await engine.inspect('lost-1');
    assert.deepEqual([listed.state, listed.reason], ['Broken', 'cannot reach the scripted hypervisor: its socket is gone']);
    await assert.rejects(engine.delete('lost-1'), rejectsWith('INVALID_STATE', /^the booting driver cannot say whether the VM of "lost-1" runs: cannot reach the scripted hypervisor: its socket is gone\. Delete with --force to remove it anyway: .*may remain$/));
    assert.ok(await fs.stat(path.join(instance.dir, 'lima.yaml')), 'a refused delete leaves the instance in place');
    assert.ok(alive(agent.pid), 'and its host agent running');
    const warned: EngineEvent[] = [];
    const stopListening = engine.events.on((event) => { if (event.type === 'driver-log' && event.level === 'warn') warned.push(event); });
    try {
      const { warnings } = await engine.delete('lost-1', { force: true });
      const expected = /^the booting driver could not delete the VM of "lost-1" \(cannot reach the scripted hypervisor: its socket is gone\): .*may remain/;
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] ?? '', expected);
      assert.deepEqual(warned.map((event) => event.type === 'driver-log' && event.message), warnings, 'the warning is in the driver log too');
    } finally {
      stopListening();
    }
    await assert.rejects(fs.stat(instance.dir), 'the folder is gone');
    assert.equal(alive(agent.pid), false, 'no host agent is left');
    assert.equal((await engine.list()).find((i) => i.name === 'lost-1'), undefined);
  });

  it('refuses to stop, restart, pause or start an instance whose driver cannot answer, saying so and that a forced delete removes it', async () => {
    await engine.create('lost-2', { template });
    await engine.start('lost-2');
    await fs.writeFile(path.join(engine.store.dir('lost-2'), 'unreachable'), ''); // the driver loses its hypervisor
    const cannot = (action: string) => rejectsWith('INVALID_STATE', new RegExp(`^the scripted driver cannot answer for the VM of "lost-2" \\(cannot reach the scripted hypervisor: its socket is gone\\), so Corral cannot ${action}\\. Try again once the driver answers, or delete the instance with --force: .*may remain$`));
    await assert.rejects(engine.stop('lost-2', { force: true }), cannot('stop it'));
    await assert.rejects(engine.restart('lost-2', { force: true }), cannot('stop it'));
    await assert.rejects(engine.restart('lost-2'), cannot('stop it'), 'not "cannot shut down; restart it with --force", which would fail the same way');
    await assert.rejects(engine.pause('lost-2'), cannot('pause it'));
    await assert.rejects(engine.start('lost-2'), cannot('start it'));
    assert.equal((await engine.inspect('lost-2')).state, 'Broken');
    await engine.delete('lost-2', { force: true });
  });

  it('keeps an instance listed, with the error, when its folder cannot be removed whole', async (t) => {
    const { instance } = await engine.create('stuck-1', { template });
    const held = path.join(instance.dir, 'held', 'file');
    await fs.mkdir(path.dirname(held));
    await fs.writeFile(held, '');
    // An immutable file (chattr +i) refuses removal even to root; where chattr cannot, there is no such file to make.
    const chattr = (flag: string) => promisify(execFile)('chattr', [flag, held]);
    const refused = await chattr('+i').then(() => undefined, (error: unknown) => String(error));
    if (refused !== undefined) return t.skip(`chattr +i cannot be used here: ${refused}`);
    try {
      await assert.rejects(engine.delete('stuck-1'), rejectsWith('INTERNAL', /^could not remove the folder of "stuck-1" \(.*\): .*held\/file.*\. The instance stays listed; free what holds that file, then delete it again$/));
      assert.equal((await engine.list()).find((i) => i.name === 'stuck-1')?.name, 'stuck-1', 'still listed, so it can be deleted again');
    } finally {
      await chattr('-i');
    }
    await engine.delete('stuck-1');
    await assert.rejects(fs.stat(instance.dir), 'the folder is gone');
  });

  it('restarts a Broken VM only with force: it cannot shut down, so it is ended and started again', async () => {
    const { instance } = await engine.create('hung-1', { template });
    await engine.start('hung-1');
    // The scripted VM hangs: its state file is the scripted hypervisor's word.
    await fs.writeFile(path.join(instance.dir, 'scripted-vm.json'), JSON.stringify({ state: 'Broken', reason: 'the guest stopped answering' }));
    await assert.rejects(engine.restart('hung-1'), rejectsWith('INVALID_STATE', /^instance "hung-1" is Broken, so it cannot shut down; restart it with --force to end it at once and start it again$/));
    assert.equal((await engine.inspect('hung-1')).state, 'Broken', 'a refused restart leaves it as it was');
    await engine.restart('hung-1', { force: true });
    assert.equal((await engine.inspect('hung-1')).state, 'Running');
    await engine.delete('hung-1', { force: true });
  });

  it('ends its driver processes on close, leaving the VMs running for the next engine', async () => {
    const first = new Engine({ home: engine.paths.home, extraDrivers: drivers, health: { intervalMs: 0, timeoutMs: 2_000 } });
    let driverPid: number | undefined;
    try {
      await first.create('outlives', { template });
      await first.start('outlives');
      driverPid = await first.drivers.host('scripted').pid();
      assert.ok(driverPid && alive(driverPid));
    } finally {
      await first.close();
    }
    assert.equal(alive(driverPid), false, `driver process ${driverPid} has ended`);
    assert.equal((await engine.inspect('outlives')).state, 'Running', 'another engine finds the VM still running');
    await engine.delete('outlives', { force: true });
  });

  it('starts with two driver round trips (inspect, start), and its own writes cost the watch none', async () => {
    engine.watch();
    await engine.create('counted', { template }); // a local image: the disk is made at create
    const calls = countCalls(engine.drivers.host('scripted'), 'counted');
    const states = statesOf(engine, 'counted');
    try {
      await engine.start('counted');
      // A barrier for the watch: another engine's create lands after this start's writes, so
      // once it is announced, every batch holding the start's writes has been handled.
      const other = new Engine({ home: engine.paths.home, extraDrivers: drivers, health: { intervalMs: 0, timeoutMs: 2_000 } });
      try {
        const probed = nextStatus(engine, 'probe');
        await other.create('probe', { template });
        await probed;
      } finally {
        await other.close();
      }
      assert.deepEqual(calls, ['inspect', 'start']);
      assert.deepEqual(states, ['Starting', 'Running'], 'the engine announces the transient state itself');
    } finally {
      delete (engine.drivers.host('scripted') as Partial<Pick<DriverHost, 'call'>>).call;
    }
    await engine.delete('counted', { force: true });
    await engine.delete('probe');
  });

  it('makes the disk at the first start of an instance created before its image was local, and only then', async () => {
    const { instance } = await engine.create('late-disk', { template });
    await fs.rm(path.join(instance.dir, 'disk-created')); // as a create with a remote image leaves it
    await fs.rm(path.join(instance.dir, 'scripted-disk'));
    const calls = countCalls(engine.drivers.host('scripted'), 'late-disk');
    try {
      await engine.start('late-disk');
      assert.ok(existsSync(path.join(instance.dir, 'scripted-disk')), 'the first start made the disk');
      await engine.stop('late-disk');
      await engine.start('late-disk');
      assert.deepEqual(calls, ['inspect', 'create', 'start', 'inspect', 'stop', 'inspect', 'start']);
    } finally {
      delete (engine.drivers.host('scripted') as Partial<Pick<DriverHost, 'call'>>).call;
    }
    await engine.delete('late-disk', { force: true });
  });

  it('announces a start that another process runs, Starting while it holds the lock, then Running', async () => {
    engine.watch();
    const { instance } = await engine.create('slow-elsewhere', { template });
    const states = statesOf(engine, 'slow-elsewhere');
    const starting = nextStatus(engine, 'slow-elsewhere', 'Starting');
    const child = fork(path.join(repoRoot, 'e2e', 'fixtures', 'scripted-start.ts'), [engine.paths.home, 'slow-elsewhere'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // Listened for at once: the child may finish its start and exit before the checks below end.
    const exited = once(child, 'exit');
    try {
      await starting; // seen through the other process's lock record, with its start still blocked
      const running = nextStatus(engine, 'slow-elsewhere', 'Running');
      await fs.writeFile(path.join(instance.dir, 'release'), '');
      await running;
      assert.deepEqual(states, ['Starting', 'Running']);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
    await engine.delete('slow-elsewhere', { force: true });
  });

  it('treats a v1 driver that predates the ssh capability as offering none: no port asked for, none offered', async () => {
    assert.equal((await engine.capabilitiesOf('scripted')).ssh, false, 'the scripted driver sends no ssh capability');
    const dir = path.join(root, 'fixed-port');
    await fs.mkdir(dir);
    const fixed = await writeTemplate(dir, { vmType: 'scripted', ssh: { localPort: 2222 } });
    await engine.create('no-ssh', { template: fixed });
    const specs: InstanceSpec[] = [];
    const host = engine.drivers.host('scripted');
    const call = host.call.bind(host);
    host.call = ((method: string, ...args: unknown[]) => {
      if (method === 'start') specs.push(args[0] as InstanceSpec);
      return (call as (method: string, ...rest: unknown[]) => Promise<unknown>)(method, ...args);
    }) as DriverHost['call'];
    try {
      const started = await engine.start('no-ssh');
      assert.deepEqual(started.warnings, ['field "ssh.localPort" (2222) is not used: driver scripted offers no SSH into its guests; use the serial console']);
    } finally {
      delete (host as Partial<Pick<DriverHost, 'call'>>).call;
    }
    const network = specs[0]?.config.network;
    assert.match(network?.macAddress ?? '', /^52:55:55:/, 'the NIC still gets its MAC');
    assert.equal(network?.sshLocalPort, undefined, 'no port to forward');
    assert.equal((await engine.inspect('no-ssh')).ssh, undefined, 'no SSH endpoint is offered');
    await engine.delete('no-ssh', { force: true });
  });

  it('refuses a driver speaking another protocol version, naming both', async () => {
    await assert.rejects(engine.drivers.host('old').handshake(), rejectsWith('PROTOCOL_MISMATCH', /speaks driver protocol v0, but this Corral speaks v1/));
    const listed = (await engine.listDrivers()).find((d) => d.name === 'old');
    assert.equal(listed?.available.ok, false);
  });
});

/** Every status the engine announces for `name` from now on. */
function statesOf(engine: Engine, name: string): string[] {
  const states: string[] = [];
  engine.events.on((event) => { if (event.type === 'instance-status' && event.name === name) states.push(event.state); });
  return states;
}

/** Resolves when `file` appears: the folder watch starts before the first look, so nothing slips between. */
function waitForFile(file: string): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      if (!existsSync(file)) return;
      watcher.close();
      resolve();
    };
    const watcher = watch(path.dirname(file), done);
    done();
  });
}

/** Re-checks a condition after each event-loop turn until it holds (bounded). */
async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
