// The `corral` command against a real QEMU guest, as a user runs it: separate processes for
// every command, a console attached through a pipe, one-line errors with a non-zero status.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ConsoleText, readyMarker, writeGuestTemplate } from './support/guest.ts';
import { alive, childrenOf, waitForExit } from './support/processes.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

describe('corral CLI', () => {
  let root: string;
  let home: string;
  let template: string;
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, CORRAL_CACHE: cache, ...extra });

  async function corral(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, '--home', home, ...args], { env: env(extraEnv) });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  async function ok(args: string[]): Promise<string> {
    const result = await corral(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** `corral console NAME` with its stdin kept open as a pipe. */
  function openConsole(name: string) {
    const child = spawn(process.execPath, [bin, '--home', home, 'console', name], { env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    const output = new ConsoleText();
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, output, exited, type: (text: string) => child.stdin.write(text) };
  }

  async function state(name: string): Promise<string> {
    const list = JSON.parse(await ok(['list', '--json'])) as { name: string; state: string }[];
    return list.find((i) => i.name === name)?.state ?? 'absent';
  }

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    template = await writeGuestTemplate(root);
  });
  after(async () => {
    const list = await corral(['list', '--json']);
    for (const i of (JSON.parse(list.stdout || '[]') as { name: string }[])) await corral(['delete', '--force', i.name]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('runs the lifecycle: create, start, console, pause, resume, stop, start, force stop, delete', async () => {
    assert.match(await ok(['create', 'cli-vm', '--template', template, '--memory', '256MiB', '--cpus', '1']), /Created cli-vm \(qemu, 1 CPUs, 256MiB memory, 1GiB disk\)/);
    assert.match(await ok(['list']), /^NAME\s+STATUS.*\ncli-vm\s+Stopped\s+qemu/m);
    assert.notEqual(await openConsole('cli-vm').exited, 0, 'a console on a stopped instance is refused');

    assert.match(await ok(['start', 'cli-vm']), /Started cli-vm \(pid \d+, accelerator \w+/);
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
    await ok(['start', 'cli-vm']);
    await ok(['stop', '--force', 'cli-vm']);
    assert.equal(await state('cli-vm'), 'Stopped');
    assert.match(await ok(['delete', 'cli-vm']), /Deleted cli-vm/);
    assert.equal(await state('cli-vm'), 'absent');
  });

  it('fails with one clear line and a non-zero status, changing nothing', async () => {
    const badName = await corral(['create', '../x', '--template', template]);
    assert.equal(badName.code, 1);
    assert.equal(badName.stderr.trim().split('\n').length, 1);
    assert.match(badName.stderr, /^corral: invalid instance name "\.\.\/x"/);

    const badSize = await corral(['create', 'x', '--template', template, '--memory', 'huge']);
    assert.match(badSize.stderr, /--memory "huge" is not a size/);
    const missing = await corral(['start', 'nope']);
    assert.match(missing.stderr, /no instance named "nope"/);
    const usage = await corral(['frobnicate']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown command "frobnicate"/);

    await ok(['create', 'guarded', '--template', template]);
    await ok(['start', 'guarded']);
    const twice = await corral(['start', 'guarded']);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /^corral: instance "guarded" is Running; only a stopped instance can be started\n$/);
    const del = await corral(['delete', 'guarded']);
    assert.match(del.stderr, /stop it first, or delete with --force/);
    assert.equal(await state('guarded'), 'Running');
    await ok(['delete', '--force', 'guarded']);
    assert.equal(await state('guarded'), 'absent');

    const noQemu = await corral(['create', 'noqemu', '--template', template], { PATH: '/nonexistent' });
    assert.equal(noQemu.code, 1);
    assert.match(noQemu.stderr, /qemu-system-x86_64 not found/);
    assert.equal(await state('noqemu'), 'absent', 'nothing is created without the hypervisor');
  });

  it('leaves no driver process when the engine is killed; the VM keeps running and a new engine sees it', async () => {
    await ok(['create', 'orphan-check', '--template', template]);
    await ok(['start', 'orphan-check']);
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
