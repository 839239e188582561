// Snapshots and the rest of the lifecycle through the engine, on the real test guest: restart,
// clone, rename and edit (with the app and by hand), each refused while the instance runs and
// each followed by a boot.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../src-drivers/sdk/errors.ts';
import { Engine } from '../src-main/core/engine.ts';
import type { ConsoleSession } from '../src-main/core/console.ts';
import { ConsoleText, readyMarker, writeGuestTemplate } from './support/guest.ts';
import { tempDir } from './support/temp.ts';

const ACCEL_ENV = 'CORRAL_QEMU_ACCEL';

function rejectsWith(code: DriverError['code'], pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof DriverError, `expected a DriverError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  };
}

/** The guest's serial shell: run() types a command and resolves with its output. */
class Shell {
  readonly console = new ConsoleText();
  readonly session: ConsoleSession;
  #count = 0;
  constructor(session: ConsoleSession) {
    this.session = session;
    session.onData((bytes) => this.console.push(bytes));
  }

  async run(command: string): Promise<string> {
    // The end marker is computed by the guest, so the echo of the typed line never matches it.
    const n = 200_000 + ++this.#count;
    const from = this.console.text.length;
    this.session.write(Buffer.from(`${command}; echo "<<$((${n}+1))>>"\n`));
    const end = await this.console.waitFor(`<<${n + 1}>>`, from);
    const text = this.console.text.slice(from, end);
    return text.slice(text.indexOf('\n') + 1).replaceAll('\r', '');
  }
}

describe('snapshots, restart, clone, rename and edit through the engine', () => {
  let root: string;
  let engine: Engine;
  let template: string;
  const savedAccel = process.env[ACCEL_ENV];
  const shells: Shell[] = [];

  /** Starts the instance and waits for its shell. */
  async function boot(name: string): Promise<Shell> {
    await engine.start(name);
    return attach(name);
  }

  async function attach(name: string): Promise<Shell> {
    const shell = new Shell(await engine.openConsole(name));
    shells.push(shell);
    await shell.console.waitFor(readyMarker);
    return shell;
  }

  before(async () => {
    process.env[ACCEL_ENV] = 'tcg'; // the driver process inherits it: no accelerator probe
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), cache: path.join(root, 'cache') });
    template = await writeGuestTemplate(root);
  });

  after(async () => {
    for (const shell of shells) await shell.session.close().catch(() => undefined);
    for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
    await engine.close();
    if (savedAccel === undefined) delete process.env.CORRAL_QEMU_ACCEL; else process.env[ACCEL_ENV] = savedAccel;
    await fs.rm(root, { recursive: true, force: true });
  });

  it('snapshots: live and disk, listed with kind and size, applied and deleted', async () => {
    await engine.create('snap', { template });
    const shell = await boot('snap');
    await engine.createSnapshot('snap', 'booted');
    await shell.run('echo changed > /tmp/marker');
    await engine.applySnapshot('snap', 'booted');
    assert.match(await shell.run('test -e /tmp/marker && echo PRESENT || echo ABSENT'), /ABSENT/);
    await engine.stop('snap', { force: true });
    await engine.createSnapshot('snap', 'cold');
    const listed = await engine.listSnapshots('snap');
    assert.deepEqual(listed.map((s) => [s.tag, s.running]), [['booted', true], ['cold', false]]);
    await assert.rejects(engine.createSnapshot('snap', 'bad tag'), rejectsWith('INVALID_NAME', /invalid snapshot name "bad tag"/));
    await assert.rejects(engine.applySnapshot('snap', 'missing'), rejectsWith('NOT_FOUND', /no snapshot "missing"/));
    await engine.applySnapshot('snap', 'cold');
    await engine.deleteSnapshot('snap', 'cold');
    await engine.deleteSnapshot('snap', 'booted');
    assert.deepEqual(await engine.listSnapshots('snap'), []);
    await engine.delete('snap');
  });

  it('restart: a running instance comes back with a new QEMU', async () => {
    await engine.create('rs', { template });
    const first = await engine.start('rs');
    await attach('rs');
    const restarted = await engine.restart('rs', { force: true });
    assert.notEqual(restarted.pid, first.pid);
    await attach('rs');
    assert.equal((await engine.inspect('rs')).state, 'Running');
    await engine.stop('rs', { force: true });
    // A stopped instance just starts.
    await engine.restart('rs');
    await attach('rs');
    await engine.stop('rs', { force: true });
    await engine.delete('rs');
  });

  it('clone, rename and edit (in the app and of lima.yaml by hand): refused while running, then each followed by a boot', async () => {
    await engine.create('src', { template });
    const shell = await boot('src');
    await shell.run('printf CORRAL-CLONE-MARK | dd of=/dev/vda bs=512 seek=4096 conv=fsync');

    await assert.rejects(engine.clone('src', 'copy'), rejectsWith('INVALID_STATE', /"src" is Running; stop it before cloning it/));
    await assert.rejects(engine.rename('src', 'moved'), rejectsWith('INVALID_STATE', /"src" is Running; stop it before renaming it/));
    await assert.rejects(engine.edit('src', { cpus: 2 }), rejectsWith('INVALID_STATE', /"src" is Running; stop it before editing it/));
    await engine.stop('src', { force: true });

    // Clone: validated name, no overwrite, the disk's contents come along.
    await assert.rejects(engine.clone('src', 'bad/name'), rejectsWith('INVALID_NAME', /invalid instance name/));
    await assert.rejects(engine.clone('src', 'src'), rejectsWith('ALREADY_EXISTS', /"src" already exists/));
    const copy = await engine.clone('src', 'copy');
    assert.equal(copy.state, 'Stopped');
    assert.deepEqual((await engine.list()).map((i) => i.name), ['copy', 'src']);
    const copyShell = await boot('copy');
    assert.match(await copyShell.run('dd if=/dev/vda bs=512 skip=4096 count=1 2>/dev/null | head -c 17'), /CORRAL-CLONE-MARK/);
    // The disks are independent: the clone's change does not reach the source.
    await copyShell.run('printf CORRAL-OTHER-MARK | dd of=/dev/vda bs=512 seek=4096 conv=fsync');
    await engine.stop('copy', { force: true });

    // Rename: the folder moves, the old runtime folder goes, the instance boots under its new name.
    const oldDir = (await engine.inspect('src')).dir;
    const oldRuntime = engine.paths.runtimeDir(oldDir);
    await assert.rejects(engine.rename('src', 'copy'), rejectsWith('ALREADY_EXISTS', /"copy" already exists/));
    const moved = await engine.rename('src', 'moved');
    assert.equal(moved.dir, path.join(engine.paths.instances, 'moved'));
    await assert.rejects(fs.stat(oldDir));
    await assert.rejects(fs.stat(oldRuntime), 'the old runtime folder is gone');
    await assert.rejects(engine.inspect('src'), rejectsWith('NOT_FOUND', /no instance named "src"/));
    const movedShell = await boot('moved');
    assert.match(await movedShell.run('dd if=/dev/vda bs=512 skip=4096 count=1 2>/dev/null | head -c 17'), /CORRAL-CLONE-MARK/);
    await engine.stop('moved', { force: true });

    // Edit: the disk grows only; cpus and memory change; the guest sees all three.
    await assert.rejects(engine.edit('moved', { disk: '512MiB' }), rejectsWith('INVALID_CONFIG', /disk of "moved" is 1 ?GiB; it can grow but not shrink to 512 ?MiB/));
    await assert.rejects(engine.edit('moved', { memory: 'lots' }), rejectsWith('INVALID_CONFIG', /not a size/));
    const edited = await engine.edit('moved', { cpus: 2, memory: '320MiB', disk: '2GiB' });
    assert.deepEqual([edited.cpus, edited.memoryBytes, edited.diskBytes], [2, 320 * 1024 ** 2, 2 * 1024 ** 3]);
    const editedShell = await boot('moved');
    assert.match(await editedShell.run('cat /sys/block/vda/size'), new RegExp(`^${(2 * 1024 ** 3) / 512}$`, 'm'));
    assert.match(await editedShell.run('grep -c ^processor /proc/cpuinfo'), /^2$/m);
    const memTotalKiB = Number(/MemTotal:\s+(\d+)/.exec(await editedShell.run('grep MemTotal /proc/meminfo'))?.[1]);
    assert.ok(memTotalKiB > 256 * 1024 && memTotalKiB <= 320 * 1024, `MemTotal ${memTotalKiB} KiB`);
    // Its data survived the resize.
    assert.match(await editedShell.run('dd if=/dev/vda bs=512 skip=4096 count=1 2>/dev/null | head -c 17'), /CORRAL-CLONE-MARK/);
    await engine.stop('moved', { force: true });

    // lima.yaml's disk edited by hand: a smaller one refuses the start and changes nothing; a larger one grows the disk at the next start.
    const limaYaml = path.join(moved.dir, 'lima.yaml');
    const saved = await fs.readFile(limaYaml, 'utf8');
    const withDisk = (size: string) => saved.replace(/^disk: .*$/m, `disk: ${size}`);
    assert.notEqual(withDisk('1GiB'), saved, 'lima.yaml has a disk line');
    await fs.writeFile(limaYaml, withDisk('1GiB'));
    await assert.rejects(engine.start('moved'), rejectsWith('INVALID_CONFIG', /asks for a 1 ?GiB disk, but the disk is 2 ?GiB and cannot shrink .*; set disk: in lima\.yaml to 2 ?GiB or more$/));
    assert.equal((await engine.inspect('moved')).state, 'Stopped');
    await fs.writeFile(limaYaml, withDisk('3GiB'));
    // A clone made before that start gets the raised size too: its first start grows its copy of the disk.
    await engine.clone('moved', 'raised');
    const raisedShell = await boot('raised');
    assert.match(await raisedShell.run('cat /sys/block/vda/size'), new RegExp(`^${(3 * 1024 ** 3) / 512}$`, 'm'), 'the clone\'s guest sees the size its lima.yaml says');
    assert.match(await raisedShell.run('dd if=/dev/vda bs=512 skip=4096 count=1 2>/dev/null | head -c 17'), /CORRAL-CLONE-MARK/);
    await engine.stop('raised', { force: true });
    const grownShell = await boot('moved');
    assert.match(await grownShell.run('cat /sys/block/vda/size'), new RegExp(`^${(3 * 1024 ** 3) / 512}$`, 'm'));
    assert.match(await grownShell.run('dd if=/dev/vda bs=512 skip=4096 count=1 2>/dev/null | head -c 17'), /CORRAL-CLONE-MARK/);
    await engine.stop('moved', { force: true });
  });
});
