// The CLI's quick path (src-main/cli/quick.ts): `corral list` and `corral shell` answered from
// live facts without loading the engine, its YAML or template code, and the engine's answer
// whenever those facts are in doubt: a lima.yaml edited by hand, a damaged facts record, a
// config that no longer loads. Runs the sources with a module hook that names on stderr every
// engine or YAML module loaded, so "loads no engine" is seen, not assumed. One tiny guest, booted
// once, stopped and deleted at the end.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { guestTemplate } from './support/guest.ts';
import { alive, waitForExit } from './support/processes.ts';
import { tempDir } from './support/temp.ts';

// Node reports every module it loads to these hooks (module.registerHooks, Node 22.15+).
const reportHeavy = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ load(url, context, next) { if (/src-main\\/core\\/engine\\.ts$|\\/node_modules\\/yaml\\//.test(url)) process.stderr.write('loaded ' + url + '\\n'); return next(url, context); } });",
)}`;

/** Pids of processes whose command line names `text` and runs `exec true` (corral shell's ssh, not the host agent's). */
async function shellsNaming(text: string): Promise<number[]> {
  const pids = (await fs.readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const found: number[] = [];
  for (const pid of pids) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text) && cmdline.split('\0').includes('exec true')) found.push(Number(pid));
  }
  return found;
}

/** Pids of QEMU driver processes (sources or bundle) started with `root` in their environment. */
async function driversOf(root: string): Promise<number[]> {
  const pids = (await fs.readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const found: number[] = [];
  for (const pid of pids) {
    const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!/src-drivers\/qemu\/main\.ts|drivers\/qemu\.js/.test(cmdline)) continue;
    const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (environ.includes(root)) found.push(Number(pid));
  }
  return found;
}

describe('corral list and shell without the engine', () => {
  let root: string;
  let home: string;
  let plain: CorralRunner;
  let reporting: CorralRunner;
  const dir = () => path.join(home, 'instances', 'quick');
  /** Runs corral from the sources; `engine`: whether it loaded the engine or YAML. */
  async function corral(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; engine: boolean }> {
    const result = await reporting(args);
    return { ...result, engine: /^loaded /m.test(result.stderr) };
  }
  async function listed(): Promise<{ cpus: number; state: string; engine: boolean }> {
    const result = await corral('list', '--json');
    assert.equal(result.code, 0, result.stderr);
    const [entry] = JSON.parse(result.stdout) as { cpus: number; state: string }[];
    assert.ok(entry, result.stdout);
    return { cpus: entry.cpus, state: entry.state, engine: result.engine };
  }

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    const options = { env: { CORRAL_QEMU_ACCEL: 'tcg', CORRAL_FROM_SOURCES: '1' } };
    plain = corralRunner(home, path.join(root, 'cache'), options);
    reporting = corralRunner(home, path.join(root, 'cache'), { ...options, nodeArgs: ['--import', reportHeavy] });
    const created = await corral('create', 'quick', '--template', await guestTemplate(), '--cpus', '2');
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await plain(['delete', 'quick', '--force']);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('lists a new instance without loading the engine or YAML', async () => {
    assert.deepEqual(await listed(), { cpus: 2, state: 'Stopped', engine: false });
    const table = await corral('list');
    assert.match(table.stdout, /^NAME\s+STATUS\s+DRIVER\s+CONNECTION\s+ARCH\s+CPUS\s+MEMORY\s+DISK\nquick\s+Stopped\s+qemu\s+local\s+\S+\s+2\s/);
    assert.equal(table.engine, false, table.stderr);
    const elsewhere = await corral('list', '--connection', 'libvirt');
    assert.equal(elsewhere.stdout, 'No instances on connection libvirt.\n', 'the connection filter works on the quick path too');
    assert.equal(elsewhere.engine, false, elsewhere.stderr);
  });

  it('shows a hand edit of lima.yaml at once, through the engine, then quickly again', async () => {
    const config = path.join(dir(), 'lima.yaml');
    const text = await fs.readFile(config, 'utf8');
    assert.match(text, /^cpus: 2$/m);
    await fs.writeFile(config, text.replace(/^cpus: 2$/m, 'cpus: 3'));
    assert.deepEqual(await listed(), { cpus: 3, state: 'Stopped', engine: true });
    assert.deepEqual(await listed(), { cpus: 3, state: 'Stopped', engine: false }, 'the engine recorded the new facts');
  });

  it('lists correctly through the engine when the facts record is damaged', async () => {
    await fs.writeFile(path.join(dir(), 'config-facts.json'), '{"configSha256": "not a digest"');
    assert.deepEqual(await listed(), { cpus: 3, state: 'Stopped', engine: true });
    assert.deepEqual(await listed(), { cpus: 3, state: 'Stopped', engine: false });
  });

  it('shows a lima.yaml that no longer loads as Broken, and loses nothing', async () => {
    const config = path.join(dir(), 'lima.yaml');
    const text = await fs.readFile(config, 'utf8');
    await fs.writeFile(config, text.replace(/^cpus: 3$/m, 'cpus: many'));
    try {
      const result = await corral('list');
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^quick\s+Broken \(.*cpus/m);
    } finally {
      await fs.writeFile(config, text);
    }
    assert.equal((await listed()).state, 'Stopped');
  });

  it('start exits at once, leaving no driver process and no lock behind', async () => {
    const started = await corral('start', 'quick', '--no-wait');
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /^Started quick \(pid \d+/m);
    // The CLI signals its driver and exits without waiting for it: the driver still ends.
    const drivers = await driversOf(root);
    for (const pid of drivers) await waitForExit(pid);
    assert.deepEqual(await fs.readdir(path.join(home, 'instances', '.locks', 'held')).catch(() => []), [], 'no lock is left held');
  });

  it('lists a running instance and runs ssh to it without loading the engine; leaves no process behind', async () => {
    assert.deepEqual(await listed(), { cpus: 3, state: 'Running', engine: false });
    // The tiny guest runs no sshd: ssh reaches QEMU's forward and fails there, with ssh's own
    // status (255), which is what corral passes through.
    const shell = await corral('shell', 'quick', '--', 'true');
    assert.equal(shell.engine, false, shell.stderr);
    assert.equal(shell.code, 255, shell.stderr);
    // The same as a user runs it: bin/corral.js runs the bundle's quick.js when it is built.
    const viaBin = await plain(['shell', 'quick', '--', 'true'], { CORRAL_FROM_SOURCES: '' });
    assert.equal(viaBin.code, 255, viaBin.stderr);
    const pid = Number((await fs.readFile(path.join(dir(), 'qemu.pid'), 'utf8')).trim());
    assert.ok(alive(pid), 'the VM still runs');
    assert.deepEqual(await fs.readdir(path.join(home, 'instances', '.locks', 'held')).catch(() => []), [], 'no lock is left held');
    assert.deepEqual(await shellsNaming(path.join(home, 'ssh')), [], 'no ssh is left running');
  });
});
