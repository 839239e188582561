// The `corral` command against a real QEMU guest, as a user runs it: separate processes for
// every command, a console attached through a pipe, one-line errors with a non-zero status.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { ConsoleText, guestTemplate, readyMarker } from './support/guest.ts';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { alive, childrenOf, waitForExit } from './support/processes.ts';
import { corralBin as bin } from './support/serve.ts';
import { tempDir } from './support/temp.ts';
import { treeSnapshot } from './support/tree.ts';

const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

describe('corral CLI', () => {
  let root: string;
  let home: string;
  let template: string;
  let corral: CorralRunner;

  async function ok(args: string[]): Promise<string> {
    const result = await corral(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** `corral console NAME` with its stdin kept open as a pipe. */
  function openConsole(name: string) {
    const child = spawn(process.execPath, [bin, '--home', home, 'console', name], { env: { ...process.env, CORRAL_CACHE: cache }, stdio: ['pipe', 'pipe', 'pipe'] });
    const output = new ConsoleText();
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output, exited, type: (text: string) => child.stdin.write(text) };
  }

  async function listed(name: string): Promise<{ name: string; state: string; vmType: string; diskBytes: number } | undefined> {
    const list = JSON.parse(await ok(['list', '--json'])) as { name: string; state: string; vmType: string; diskBytes: number }[];
    return list.find((i) => i.name === name);
  }
  async function state(name: string): Promise<string> {
    return (await listed(name))?.state ?? 'absent';
  }
  /** Runs a command that must be refused: exit 1, one line on stderr matching `pattern`, the tree under home unchanged. */
  async function refused(args: string[], pattern: RegExp, options: { env?: NodeJS.ProcessEnv; vmRunning?: boolean } = {}): Promise<void> {
    const before = await treeSnapshot(home, options);
    const result = await corral(args, options.env);
    assert.equal(result.code, 1, `corral ${args.join(' ')} should fail; it said: ${result.stdout}`);
    assert.match(result.stderr, /^corral: [^\n]+\n$/, `one line on stderr, got: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.deepEqual(await treeSnapshot(home, options), before, `corral ${args.join(' ')} changed files under ${home}`);
  }

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    corral = corralRunner(home, cache);
    template = await guestTemplate(); // the committed template users are pointed to in the README
  });
  after(async () => {
    const list = await corral(['list', '--json']);
    for (const i of (JSON.parse(list.stdout || '[]') as { name: string }[])) await corral(['delete', '--force', i.name]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('runs the lifecycle: create, start, console, pause, resume, stop, start, force stop, delete', async () => {
    assert.match(await ok(['create', 'cli-vm', '--template', template, '--memory', '256MiB', '--cpus', '1']), /Created cli-vm \(qemu, 1 CPU, 256MiB memory, 1GiB disk\)/);
    assert.match(await ok(['list']), /^NAME\s+STATUS.*\ncli-vm\s+Stopped\s+qemu/m);
    assert.notEqual(await openConsole('cli-vm').exited, 0, 'a console on a stopped instance is refused');

    assert.match(await ok(['start', 'cli-vm', '--no-wait']), /Started cli-vm \(pid \d+, accelerator \w+/);
    assert.equal(await state('cli-vm'), 'Running');
    const live = openConsole('cli-vm');
    await live.output.waitFor(readyMarker);
    let from = live.output.text.length;
    live.type('echo cli-$((6*7))\n');
    await live.output.waitFor('cli-42', from);

    assert.match(await ok(['pause', 'cli-vm']), /Paused cli-vm/);
    assert.equal(await state('cli-vm'), 'Paused');
    assert.match(await ok(['resume', 'cli-vm']), /Resumed cli-vm/);
    from = live.output.text.length;
    live.type('echo still-$((1+1))\n');
    await live.output.waitFor('still-2', from);
    live.child.stdin.end();
    assert.equal(await live.exited, 0, 'end of input detaches cleanly');

    assert.match(await ok(['stop', 'cli-vm']), /Stopped cli-vm/);
    assert.equal(await state('cli-vm'), 'Stopped');
    const serialLog = await fs.readFile(path.join(home, 'instances', 'cli-vm', 'serial.log'), 'utf8');
    assert.match(serialLog, /reboot: Power down/, 'the guest powered itself off on the ACPI button, it was not killed');
    await ok(['start', 'cli-vm', '--no-wait']);
    await ok(['stop', '--force', 'cli-vm']);
    assert.equal(await state('cli-vm'), 'Stopped');
    assert.match(await ok(['delete', 'cli-vm']), /Deleted cli-vm/);
    assert.equal(await state('cli-vm'), 'absent');
  });

  it('fails with one clear line and a non-zero status, changing nothing on disk', async () => {
    await ok(['create', 'keeper', '--template', template]); // so the refusals below have a tree to leave alone
    await refused(['create', '../x', '--template', template], /^corral: invalid instance name "\.\.\/x"/);
    await refused(['create', 'x', '--template', template, '--memory', 'huge'], /--memory "huge" is not a size/);
    const badConfig = path.join(root, 'bad-config.yaml');
    await fs.writeFile(badConfig, (await fs.readFile(template, 'utf8')).replace(/^cpus: 1$/m, 'cpus: many').replace(/location: (\S+)/g, `location: ${path.dirname(template)}/$1`));
    await refused(['create', 'x', '--template', badConfig], /cpus/);
    await refused(['start', 'nope'], /no instance named "nope"/);
    await refused(['create', 'noqemu', '--template', template], /qemu-system-x86_64 not found/, { env: { PATH: '/nonexistent' } });
    assert.equal(await state('noqemu'), 'absent', 'nothing is created without the hypervisor');

    const before = await treeSnapshot(home);
    const usage = await corral(['frobnicate']);
    assert.equal(usage.code, 2);
    assert.equal(usage.stderr, 'corral: unknown command "frobnicate"; run corral --help\n', 'a one-line hint, not the whole usage');
    assert.deepEqual(await treeSnapshot(home), before);
    const help = await corral(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: corral .*\n\nCommands:\n/s, 'the full usage when asked for');

    await ok(['start', 'keeper', '--no-wait']);
    await refused(['start', 'keeper', '--no-wait'], /^corral: instance "keeper" is Running; only a stopped instance can be started\n$/, { vmRunning: true });
    await refused(['delete', 'keeper'], /stop it first, or delete with --force/, { vmRunning: true });
    assert.equal(await state('keeper'), 'Running');
    await ok(['delete', '--force', 'keeper']);
    assert.equal(await state('keeper'), 'absent');
  });

  it('refuses values a config cannot hold or this host cannot give, in the user\'s words, writing nothing', async () => {
    await ok(['create', 'steady', '--template', template]);
    await refused(['create', 'many', '--template', template, '--cpus', '9999'], /^corral: --cpus 9999 is more than 512, the most an instance can have\n$/);
    await refused(['edit', 'steady', '--cpus', '9999'], /^corral: --cpus 9999 is more than 512/);
    await refused(['create', 'x', '--template', template, '--cpus', 'abc'], /^corral: --cpus "abc" is not a whole number of CPUs; use e\.g\. --cpus 2\n$/);
    await refused(['create', 'x', '--template', template, '--memory', '-1'], /^corral: --memory "-1" is not a size; use e\.g\. 512MiB or 4GiB\n$/);
    await refused(['create', '.', '--template', template], /^corral: invalid instance name "\.": "\." names a folder, not an instance; start the name with a letter or digit\n$/);
    await refused(['create', 'x', '--template', template, '--memory', '1TiB'], /^corral: memory 1TiB is more than this host has \([\d.]+ GiB of memory, [\d.]+ GiB of swap\); ask for at most/);
    await refused(['edit', 'steady', '--memory', '1TiB'], /^corral: memory 1TiB is more than this host has/);
    assert.equal(await state('steady'), 'Stopped', 'the list still works, and the instance is as it was');

    const cores = os.availableParallelism();
    const wide = await corral(['create', 'wide', '--template', template, '--cpus', String(cores + 1)]);
    assert.equal(wide.code, 0, wide.stderr);
    assert.equal(wide.stderr, `warning: ${cores + 1} CPUs is more than this host's ${cores} cores; the guest's CPUs will share them\n`);
    await ok(['delete', 'wide']);
    await ok(['delete', 'steady']);
  });

  it('tidies a staging folder a killed create left, and cache prune says so', async () => {
    const staging = path.join(home, 'instances', '.creating-killed-0123abcd');
    await fs.mkdir(staging, { recursive: true });
    await fs.writeFile(path.join(staging, 'disk.qcow2'), Buffer.alloc(1024 ** 2, 1));
    const pruned = await ok(['cache', 'prune']);
    assert.ok(pruned.split('\n').includes(`Removed ${staging} (1.0 MiB), left by a killed create or clone of killed.`), pruned);
    await assert.rejects(fs.stat(staging));
  });

  it('reports a QEMU start failure in one line naming its log, leaving the instance as it was', async () => {
    await ok(['create', 'broken', '--template', template]);
    const dir = path.join(home, 'instances', 'broken');
    await fs.writeFile(path.join(dir, 'disk.qcow2'), 'not a qcow2 image'); // QEMU refuses to open it
    const before = await treeSnapshot(home);
    const result = await corral(['start', 'broken']);
    assert.equal(result.code, 1);
    const qemuLog = path.join(dir, 'qemu.log');
    // Start writes its artifacts' progress to stderr too, as JSON records when stderr is not a
    // terminal (progress.ts): for scripts, and not part of the error.
    const [error, ...more] = result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{"progress":'));
    assert.deepEqual(more, [], `one error line, got: ${result.stderr}`);
    assert.match(error ?? '', /^corral: QEMU failed to start \(exit code 1\): .*Image is not in qcow2 format/);
    assert.ok(error?.includes(qemuLog), 'the line names the log to read');
    assert.equal(await state('broken'), 'Stopped');
    const after = await treeSnapshot(home);
    // New files may be only those every start rewrites: QEMU's log (the failure's account, the
    // file the error names), its serial log of this (empty) boot, the engine's cidata seed and its
    // record of the guest's MAC and SSH port; and, at first use, CORRAL_HOME's SSH key pair.
    const rewrittenByEveryStart = ['qemu.log', 'serial.log', 'cidata.iso', 'guest-endpoint.json'].map((file) => path.relative(home, path.join(dir, file)));
    const sshKeys = ['ssh', 'ssh/id_ed25519', 'ssh/id_ed25519.pub'];
    assert.deepEqual(Object.keys(after).filter((file) => !(file in before) && !sshKeys.includes(file)).sort(), [...rewrittenByEveryStart].sort());
    const kept = Object.fromEntries(Object.entries(after).filter(([file]) => !rewrittenByEveryStart.includes(file) && !sshKeys.includes(file)));
    const keptBefore = Object.fromEntries(Object.entries(before).filter(([file]) => !sshKeys.includes(file)));
    assert.deepEqual(kept, keptBefore, 'lima.yaml and the disk are untouched, no pid file or accelerator record is left');
    const verbose = await corral(['start', 'broken', '--verbose']);
    assert.equal(verbose.code, 1);
    assert.match(verbose.stderr, /^corral: VM_FAILED: QEMU failed to start.*\n\{"log":/m, '--verbose prints the whole error, its code and details');
    await ok(['delete', 'broken']);
  });

  it('lists drivers with version, capabilities and whether they can run', async () => {
    const drivers = await ok(['drivers']);
    assert.match(drivers, /^DRIVER\s+VERSION\s+SANDBOX\s+AVAILABLE\s+CAPABILITIES$/m);
    assert.match(drivers, /^qemu\s+\d+\.\d+\.\d+\s+built in\s+yes\s+lifecycle, pause, snapshots, console:serial.*accel:[\w/]*tcg, ssh, mount:9p(, mount:virtiofs)?$/m);
    const withoutQemu = await corral(['drivers'], { PATH: '/nonexistent' });
    assert.equal(withoutQemu.code, 0, withoutQemu.stderr);
    assert.match(withoutQemu.stdout, /^qemu\s+\S+\s+built in\s+no: qemu-system-x86_64 not found on PATH; install it/m);
  });

  it('creates with --disk and --driver, as lima.yaml and list --json then say', async () => {
    assert.match(await ok(['create', 'sized', '--template', template, '--disk', '2GiB', '--driver', 'qemu']), /Created sized \(qemu, 1 CPU, 256MiB memory, 2GiB disk\)/);
    const config = parse(await fs.readFile(path.join(home, 'instances', 'sized', 'lima.yaml'), 'utf8')) as { vmType?: string; disk?: string };
    assert.equal(config.vmType, 'qemu');
    assert.equal(config.disk, '2GiB');
    const entry = await listed('sized');
    assert.equal(entry?.vmType, 'qemu');
    assert.equal(entry?.diskBytes, 2 * 1024 ** 3);
    await refused(['create', 'other', '--template', template, '--driver', 'nosuch'], /nosuch/);
    await ok(['delete', 'sized']);
  });

  it('leaves no driver process when the engine is killed; the VM keeps running and a new engine sees it', async () => {
    await ok(['create', 'orphan-check', '--template', template]);
    await ok(['start', 'orphan-check', '--no-wait']);
    const attached = openConsole('orphan-check');
    await attached.output.waitFor(readyMarker);
    const from = attached.output.text.length;
    attached.type('echo attached-$((3*3))\n');
    await attached.output.waitFor('attached-9', from);
    const engineChildren = childrenOf(attached.child.pid ?? -1);
    assert.equal(engineChildren.length, 1, 'the console engine runs one driver process');
    const [driverPid] = engineChildren as [number];
    const vm = Number((await fs.readFile(path.join(home, 'instances', 'orphan-check', 'qemu.pid'), 'utf8')).trim());

    attached.child.kill('SIGKILL');
    await attached.exited;
    await waitForExit(driverPid);
    assert.ok(alive(vm), 'the VM keeps running');
    assert.equal(await state('orphan-check'), 'Running', 'a new engine sees it running');
    await ok(['delete', '--force', 'orphan-check']);
    assert.equal(alive(vm), false);
  });
});
