// The folder of a VM's unix sockets, where XDG_RUNTIME_DIR is unset (ssh sessions, containers):
// another user who could create it first would receive the console input and the QMP socket
// that carries the VNC password. Each hostile case is made for real (a folder left 0777, a
// symlink, a folder chowned to nobody) and the sockets must end up in a private folder that a
// new driver process still finds while the VM runs.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../src-drivers/sdk/errors.ts';
import type { ConsoleSession } from '../src-main/core/console.ts';
import { Engine } from '../src-main/core/engine.ts';
import { corralPaths } from '../src-main/core/paths.ts';
import { runtimeRecordName } from '../src-main/core/runtime-root.ts';
import { ConsoleText, readyMarker, writeGuestTemplate } from './support/guest.ts';
import { tempDir } from './support/temp.ts';

const nobody = 65534;
const uid = process.getuid?.() ?? 0;

async function assertPrivate(dir: string): Promise<void> {
  const stat = await fs.lstat(dir);
  assert.ok(stat.isDirectory() && !stat.isSymbolicLink(), `${dir} is a real folder`);
  assert.equal(stat.uid, uid, `${dir} is ours`);
  assert.equal(stat.mode & 0o777, 0o700, `${dir} is 0700`);
}

describe('the socket folder without XDG_RUNTIME_DIR', () => {
  let root: string;
  let base: string;
  let home: string;

  before(async () => {
    root = await tempDir();
    // Stands in for /tmp: world-writable with the sticky bit, as /tmp is.
    base = path.join(root, 'tmp');
    await fs.mkdir(base);
    await fs.chmod(base, 0o1777);
    home = path.join(root, 'home');
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  it('does not use a folder another user made at the old, predictable path', async () => {
    const planted = path.join(base, `corral-${uid}`);
    await fs.mkdir(planted);
    await fs.chmod(planted, 0o777);
    const socketDir = corralPaths({ home, runtimeBase: base }).runtimeDir('/some/instance');
    const socketRoot = path.dirname(socketDir);
    assert.notEqual(socketRoot, planted);
    assert.match(path.basename(socketRoot), new RegExp(`^corral-${uid}-\\w{6}$`), 'a name made by mkdtemp');
    await assertPrivate(socketRoot);
    assert.deepEqual(await fs.readdir(planted), [], 'nothing goes in the planted folder');
    // Recorded in the home: the next process (a new driver, the CLI) finds the same folder ...
    assert.equal(corralPaths({ home, runtimeBase: base }).runtimeDir('/some/instance'), socketDir);
    assert.equal((await fs.readFile(path.join(home, runtimeRecordName), 'utf8')).trim(), socketRoot);
    // ... and another home gets a folder of its own.
    assert.notEqual(path.dirname(corralPaths({ home: path.join(root, 'other'), runtimeBase: base }).runtimeDir('/x')), socketRoot);
  });

  it('says in one line when no private folder can be made there', async () => {
    const missing = path.join(root, 'no-such-folder');
    assert.throws(() => corralPaths({ home: path.join(root, 'home-missing'), runtimeBase: missing }).runtimeDir('/vm'), {
      code: 'UNAVAILABLE',
      message: `cannot make a private folder for VM sockets in ${missing} (ENOENT); set XDG_RUNTIME_DIR to a folder of yours`,
    });
  });

  const tamperings: [string, (dir: string) => Promise<void>][] = [
    ['left at mode 0777', (dir) => fs.chmod(dir, 0o777)],
    ['owned by another user', (dir) => fs.chown(dir, nobody, nobody)],
    ['replaced by a symlink to a folder of another user', async (dir) => {
      const theirs = path.join(base, 'theirs');
      await fs.mkdir(theirs, { recursive: true, mode: 0o700 });
      await fs.chown(theirs, nobody, nobody);
      await fs.rm(dir, { recursive: true });
      await fs.symlink(theirs, dir);
    }],
  ];
  for (const [how, tamper] of tamperings) {
    it(`replaces a recorded folder ${how} (say, remade by someone after a reboot) with a new private one`, async () => {
      const paths = corralPaths({ home, runtimeBase: base });
      const before = path.dirname(paths.runtimeDir('/vm'));
      await tamper(before);
      const after = path.dirname(paths.runtimeDir('/vm'));
      assert.notEqual(after, before);
      await assertPrivate(after);
      assert.equal((await fs.readFile(path.join(home, runtimeRecordName), 'utf8')).trim(), after);
      const left = await fs.lstat(before);
      assert.ok(left.isSymbolicLink() || left.uid === nobody || (left.mode & 0o777) === 0o777, 'the tampered folder is left as it was');
    });
  }
});

describe('a VM\'s sockets in the private folder', () => {
  const ACCEL_ENV = 'CORRAL_QEMU_ACCEL';
  const savedAccel = process.env[ACCEL_ENV];
  let root: string;
  let base: string;
  let options: ConstructorParameters<typeof Engine>[0];
  let engine: Engine;
  const sessions: ConsoleSession[] = [];
  const engines: Engine[] = [];

  before(async () => {
    process.env[ACCEL_ENV] = 'tcg'; // the driver process inherits it: no accelerator probe
    root = await tempDir();
    base = path.join(root, 'tmp');
    await fs.mkdir(base);
    await fs.chmod(base, 0o1777);
    options = { home: path.join(root, 'home'), cache: path.join(root, 'cache'), runtimeBase: base, health: { intervalMs: 0, timeoutMs: 5_000 } };
    engine = new Engine(options);
    engines.push(engine);
    await engine.create('vm', { template: await writeGuestTemplate(root) });
  });
  after(async () => {
    for (const session of sessions) await session.close().catch(() => undefined);
    await engine.delete('vm', { force: true }).catch(() => undefined);
    for (const each of engines) await each.close();
    if (savedAccel === undefined) delete process.env.CORRAL_QEMU_ACCEL; else process.env[ACCEL_ENV] = savedAccel;
    await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses to start with an instance socket folder another user could write into, and starts nothing', async () => {
    const socketDir = engine.paths.runtimeDir(engine.store.dir('vm'));
    await fs.mkdir(socketDir, { mode: 0o700 });
    const cases: [RegExp, () => Promise<void>][] = [
      [/its mode is 0777, not 0700/, () => fs.chmod(socketDir, 0o777)],
      [new RegExp(`it belongs to uid ${nobody}, not ${uid}`), async () => { await fs.chmod(socketDir, 0o700); await fs.chown(socketDir, nobody, nobody); }],
      [/it is a symbolic link/, async () => { await fs.rm(socketDir, { recursive: true }); await fs.symlink(root, socketDir); }],
    ];
    for (const [why, make] of cases) {
      await make();
      await assert.rejects(engine.start('vm'), (error: unknown) => {
        assert.ok(error instanceof DriverError, String(error));
        assert.equal(error.code, 'INVALID_STATE');
        assert.match(error.message, new RegExp(`^the socket folder ${socketDir} is not private \\(${why.source}\\): another user could take over the VM's console; remove it and start again$`));
        return true;
      });
      assert.equal((await engine.inspect('vm')).state, 'Stopped', 'no QEMU was started');
    }
    await fs.rm(socketDir, { recursive: true });
  });

  it('puts the sockets in the private folder, and a new engine and driver find the running VM\'s console there', async () => {
    await engine.start('vm');
    const socketDir = engine.paths.runtimeDir(engine.store.dir('vm'));
    await assertPrivate(path.dirname(socketDir));
    await assertPrivate(socketDir);
    assert.deepEqual((await fs.readdir(socketDir)).sort(), ['qmp.sock', 'serial.sock']);

    // As after an app restart: another engine, its own driver process, the same home.
    const later = new Engine(options);
    engines.push(later);
    assert.equal((await later.inspect('vm')).state, 'Running');
    const session = await later.openConsole('vm');
    sessions.push(session);
    const console = new ConsoleText();
    session.onData((bytes) => console.push(bytes));
    await console.waitFor(readyMarker);
    session.write(Buffer.from('echo "sum=$((40+2))"\n'));
    await console.waitFor('sum=42');
  });
});
