// Issue 16's proof: a third-party bundle that runs its own hypervisor. The example bundle
// src-drivers/qemu-brokered (packed by scripts/pack-driver.ts, installed sandboxed) starts
// qemu-system-x86_64 through the engine's spawn broker and passes the whole conformance kit as
// `corral driver test` runs it, the crash check included (its VM outlives a SIGKILLed driver).
// The broker refuses, with a typed error written to the driver's log, an executable the
// manifest does not declare and a file outside the bundle's grants, and the trust prompt the
// user approves names the executable. No QEMU outlives a test.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { DriverError } from '../src-drivers/sdk/errors.ts';
import type { InstanceSpec } from '../src-drivers/sdk/protocol.ts';
import { installBundle } from '../src-main/core/drivers/bundles/install.ts';
import type { InstalledDriver } from '../src-main/core/drivers/bundles/install.ts';
import { packBundle } from '../src-main/core/drivers/bundles/pack.ts';
import type { TrustPrompt } from '../src-main/core/drivers/bundles/trust.ts';
import type { ConformanceReport } from '../src-main/core/drivers/conformance/index.ts';
import { DriverHost } from '../src-main/core/drivers/host.ts';
import { forkDriverProcess } from '../src-main/core/drivers/process.ts';
import { bundleDriverEntry } from '../src-main/core/drivers/sandbox/entries.ts';
import type { EntryPaths } from '../src-main/core/drivers/sandbox/entries.ts';
import { sandboxSupport } from '../src-main/core/drivers/sandbox/spawn.ts';
import { testGuest } from './support/guest.ts';
import { alive, waitForExit } from './support/processes.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const run = promisify(execFile);
const qemu = '/usr/bin/qemu-system-x86_64';

/** QEMU processes whose command line names a path under `root`. */
function qemuUnder(root: string): number[] {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return argv.includes('qemu-system') && argv.includes(root);
    } catch {
      return false;
    }
  });
}

describe('a bundle that runs QEMU itself through the spawn broker', () => {
  const support = sandboxSupport();
  let root: string;
  let bundle: string;
  let guest: string;
  const hosts: DriverHost[] = [];

  before(async () => {
    assert.ok(support.enforced, `the bundle must be tested sandboxed; bubblewrap comes from scripts/install-host-packages.sh (${support.enforced ? '' : support.reason})`);
    root = await tempDir('corral-brk-');
    guest = await testGuest();
    await run(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'qemu-brokered', '--out', path.join(root, 'dist')], { cwd: repoRoot });
    bundle = path.join(root, 'dist', 'qemu-brokered-0.1.0.corral-driver');
  });

  after(async () => {
    for (const host of hosts) await host.dispose();
    const left = qemuUnder(root);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    await fsp.rm(root, { recursive: true, force: true });
    assert.deepEqual(left, [], 'no QEMU may outlive a test');
  });

  /** Installs `file` into a home of its own, keeping the trust prompt it showed. */
  async function install(file: string, name: string): Promise<{ installed: InstalledDriver; prompt: TrustPrompt; host: DriverHost; paths: EntryPaths }> {
    const home = path.join(root, name);
    let shown: TrustPrompt | undefined;
    const installed = await installBundle(home, file, { confirm: async (prompt) => { shown = prompt; return true; }, sandbox: support });
    const paths = { instances: path.join(home, 'instances'), runtimeRoot: path.join(home, 'run'), downloads: path.join(home, 'downloads'), driverCache: (d: string) => path.join(home, 'cache', d) };
    await fsp.mkdir(paths.downloads, { recursive: true });
    const host = new DriverHost(bundleDriverEntry(installed, paths, support), { spawn: forkDriverProcess, logDir: path.join(home, 'logs'), cacheDir: paths.driverCache(installed.name) });
    hosts.push(host);
    assert.ok(shown, 'the install showed a trust prompt');
    return { installed, prompt: shown, host, paths };
  }

  function specIn(paths: { instances: string; runtimeRoot: string }, files: { kernel: string; initrd: string }): InstanceSpec {
    return {
      name: 'vm', dir: path.join(paths.instances, 'vm'), runtimeDir: path.join(paths.runtimeRoot, 'vm'),
      config: {
        vmType: 'qemu-brokered', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 1024 ** 3, display: 'none',
        kernel: { path: files.kernel, cmdline: 'console=ttyS0 quiet' }, initrd: { path: files.initrd },
      },
    };
  }

  async function refused(call: Promise<unknown>, message: RegExp): Promise<void> {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof DriverError, String(error));
      assert.equal(error.code, 'PERMISSION_DENIED', error.message);
      assert.match(error.message, message);
      return true;
    });
  }

  it('passes the whole conformance kit as `corral driver test` runs it, sandboxed, the crash check included', async () => {
    const tmp = path.join(root, 'tmp');
    await fsp.mkdir(tmp);
    const env = { ...process.env, TMPDIR: tmp, CORRAL_HOME: path.join(root, 'kit-home'), CORRAL_CACHE: path.join(root, 'kit-cache') };
    const args = [path.join(repoRoot, 'src-main/corral.ts'), 'driver', 'test', bundle, '--kernel', path.join(guest, 'vmlinuz'), '--initrd', path.join(guest, 'initrd.img'), '--disk', path.join(guest, 'disk.raw'), '--json'];
    const { stdout } = await run(process.execPath, args, { env, timeout: 280_000, maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(stdout) as ConformanceReport;
    const failed = report.results.filter((r) => r.status === 'fail' || r.status === 'not-run').map((r) => `${r.id}: ${r.message ?? r.status}`);
    assert.deepEqual(failed, [], 'every check that applies passes');
    assert.ok(report.ok);
    assert.match(report.driver.isolation, /^sandboxed/);
    const status = Object.fromEntries(report.results.map((r) => [r.id, r.status]));
    for (const id of ['lifecycle/start', 'console/shell', 'crash/reattach', 'crash/reattach-console', 'lifecycle/pause', 'lifecycle/stop', 'lifecycle/delete']) {
      assert.equal(status[id], 'pass', `${id} ran and passed`);
    }
    assert.deepEqual(qemuUnder(root), [], 'the kit ends its VM');
  });

  it('lists the executable in the trust prompt, and its VM outlives the driver and the engine\'s host', async () => {
    const { installed, prompt, host, paths } = await install(bundle, 'outlive');
    assert.deepEqual(prompt.permissions.spawn, [qemu]);
    assert.match(prompt.text, /^ {2}start: +\/usr\/bin\/qemu-system-x86_64 \(through Corral's broker: kept running after the driver exits/m);
    for (const name of ['vmlinuz', 'initrd.img']) await fsp.copyFile(path.join(guest, name), path.join(paths.downloads, name));
    const spec = specIn(paths, { kernel: path.join(paths.downloads, 'vmlinuz'), initrd: path.join(paths.downloads, 'initrd.img') });
    await fsp.mkdir(spec.dir, { recursive: true });
    await host.call('create', spec);
    const { pid } = await host.call('start', spec);
    assert.ok(pid !== undefined && alive(pid), 'start() answers with the host pid of a running QEMU');
    assert.equal(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0], qemu);
    // Outside the driver's PID namespace: QEMU's pid file holds the same pid the host sees.
    assert.equal(Number((await fsp.readFile(path.join(spec.dir, 'qemu.pid'), 'utf8')).trim()), pid);
    await host.dispose();
    assert.ok(alive(pid), 'QEMU outlives the driver process and its host');
    // A new host, as after a restart of the engine: a fresh driver process finds the VM.
    const again = new DriverHost(bundleDriverEntry(installed, paths, support), { spawn: forkDriverProcess, logDir: path.join(root, 'outlive', 'logs'), cacheDir: paths.driverCache(installed.name) });
    hosts.push(again);
    assert.deepEqual(await again.call('inspect', spec), { state: 'Running', pid, accelerator: 'tcg' });
    await again.call('stop', spec, { force: true, timeoutMs: 10_000 });
    await waitForExit(pid);
    await again.call('delete', spec);
  });

  it('refuses an executable the manifest does not declare, and says so in the driver\'s log', async () => {
    // The same main.mjs, repacked with the broker's executable taken out of its manifest.
    const unpacked = path.join(root, 'undeclared-src');
    await fsp.mkdir(unpacked);
    await run('tar', ['xzf', bundle, '-C', unpacked]);
    const manifest = JSON.parse(await fsp.readFile(path.join(unpacked, 'manifest.json'), 'utf8')) as { permissions: Record<string, unknown> } & Record<string, unknown>;
    delete manifest.files;
    const { spawn: _declared, ...permissions } = manifest.permissions;
    await fsp.writeFile(path.join(unpacked, 'manifest.json'), JSON.stringify({ ...manifest, name: 'qemu-undeclared', permissions }));
    const { file } = await packBundle(unpacked, { out: path.join(root, 'qemu-undeclared.corral-driver') });
    const { prompt, host, paths } = await install(file, 'undeclared');
    assert.doesNotMatch(prompt.text, /start:/, 'nothing to start is shown when nothing is declared');
    for (const name of ['vmlinuz', 'initrd.img']) await fsp.copyFile(path.join(guest, name), path.join(paths.downloads, name));
    const spec = specIn(paths, { kernel: path.join(paths.downloads, 'vmlinuz'), initrd: path.join(paths.downloads, 'initrd.img') });
    await fsp.mkdir(spec.dir, { recursive: true });
    await host.call('create', spec);
    await refused(host.call('start', spec), /the broker refused driver qemu-undeclared: starting \/usr\/bin\/qemu-system-x86_64: its manifest does not declare it for the broker \(it declares none\)/);
    const log = await fsp.readFile(host.logFile, 'utf8');
    assert.match(log, /\[warn\] the broker refused driver qemu-undeclared: starting \/usr\/bin\/qemu-system-x86_64.*it asked: \{"executable":"\/usr\/bin\/qemu-system-x86_64","args":\["-machine"/);
    assert.equal((await host.call('inspect', spec)).state, 'Stopped');
    assert.deepEqual(qemuUnder(root), []);
  });

  it('refuses a file outside the bundle\'s grants, and starts nothing', async () => {
    const { host, paths } = await install(bundle, 'outside');
    const outside = path.join(root, 'not-granted');
    await fsp.mkdir(outside);
    for (const name of ['vmlinuz', 'initrd.img']) await fsp.copyFile(path.join(guest, name), path.join(outside, name));
    const spec = specIn(paths, { kernel: path.join(outside, 'vmlinuz'), initrd: path.join(outside, 'initrd.img') });
    await fsp.mkdir(spec.dir, { recursive: true });
    await host.call('create', spec);
    await refused(host.call('start', spec), new RegExp(`the broker refused driver qemu-brokered: reading ${outside}/vmlinuz: it is outside the paths its manifest grants`));
    assert.match(await fsp.readFile(host.logFile, 'utf8'), /\[warn\] the broker refused driver qemu-brokered: reading .*not-granted\/vmlinuz/);
    assert.equal((await host.call('inspect', spec)).state, 'Stopped');
    assert.deepEqual(qemuUnder(root), []);
  });

  it('answers a request for a file that is not there with what to do, and starts nothing', async () => {
    const { host, paths } = await install(bundle, 'missing');
    const spec = specIn(paths, { kernel: path.join(paths.downloads, 'no-such-vmlinuz'), initrd: path.join(paths.downloads, 'no-such-initrd') });
    await fsp.mkdir(spec.dir, { recursive: true });
    await host.call('create', spec);
    await assert.rejects(host.call('start', spec), (error: unknown) => {
      assert.ok(error instanceof DriverError && error.code === 'INVALID_CONFIG', String(error));
      assert.match(error.message, /no-such-vmlinuz does not exist: make it before asking the broker to start \/usr\/bin\/qemu-system-x86_64/);
      return true;
    });
    assert.equal((await host.call('inspect', spec)).state, 'Stopped');
    assert.deepEqual(qemuUnder(root), []);
  });
});
