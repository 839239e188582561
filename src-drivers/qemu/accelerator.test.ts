// The accelerator choice against this host's real QEMU. Where /dev/kvm is usable the kernel
// probe runs for real (on these machines KVM runs the boot loader, then hangs the kernel).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DriverError } from '../sdk/index.ts';
import { ACCEL_ENV, chooseAccelerator, probeKernel, reapOrphanProbes } from './accelerator.ts';
import { acceleratableHostArch, findOnPath } from './host.ts';
import { isAlive, readPidFile } from './process.ts';
import { buildTestGuest, guestSpec, killFromPidFiles, removeDir, tempDir } from './test-support/guest.ts';
import type { TestGuest } from './test-support/guest.ts';

const kvmUsable = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false);
const noKvm = kvmUsable ? false : '/dev/kvm is missing or not read-write here';

/** Processes whose command line mentions `text`: what a probe must not leave behind. */
async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(Number(entry));
  }
  return found;
}

describe('acceleratableHostArch', () => {
  it('names the host arch only where QEMU has a hardware accelerator for it', () => {
    assert.equal(acceleratableHostArch('x64'), 'x86_64');
    assert.equal(acceleratableHostArch('arm64'), 'aarch64');
    // s390x and ppc64le are guest arches (the shared hostArch names them) but QEMU accelerates neither here.
    assert.equal(acceleratableHostArch('s390x'), undefined);
    assert.equal(acceleratableHostArch('ppc64'), undefined);
    assert.equal(acceleratableHostArch('ia32'), undefined);
  });
});

describe('chooseAccelerator', () => {
  let root: string;
  let guest: TestGuest;
  let binary: string;
  const savedEnv = process.env[ACCEL_ENV];

  before(async () => {
    root = await tempDir('accel');
    guest = await buildTestGuest();
    binary = (await findOnPath('qemu-system-x86_64')) ?? assert.fail('qemu-system-x86_64 is not installed');
  });
  beforeEach(() => { delete process.env.CORRAL_QEMU_ACCEL; });
  after(async () => {
    if (savedEnv === undefined) delete process.env.CORRAL_QEMU_ACCEL; else process.env[ACCEL_ENV] = savedEnv;
    await removeDir(root);
  });

  it(`obeys ${ACCEL_ENV} without probing`, async () => {
    process.env[ACCEL_ENV] = 'tcg';
    const choice = await chooseAccelerator({ binary, spec: guestSpec(root, guest), cacheDir: path.join(root, 'env-cache') });
    assert.deepEqual(choice, { accelerator: 'tcg', note: `set by ${ACCEL_ENV}` });
    process.env[ACCEL_ENV] = 'turbo';
    await assert.rejects(chooseAccelerator({ binary, spec: guestSpec(root, guest), cacheDir: root }),
      (error: unknown) => error instanceof DriverError && error.code === 'INVALID_CONFIG' && /turbo/.test(error.message));
  });

  it('falls back to tcg, saying why, when there is no kernel to verify kvm with', { skip: noKvm }, async () => {
    const spec = guestSpec(root, guest);
    delete spec.config.kernel;
    const choice = await chooseAccelerator({ binary, spec, cacheDir: path.join(root, 'no-kernel-cache') });
    assert.equal(choice.accelerator, 'tcg');
    assert.match(choice.note ?? '', /kvm was not verified/);
  });

  it('boots the kernel under kvm once, caches the verdict, and leaves no process behind', { skip: noKvm }, async () => {
    const cacheDir = path.join(root, 'probe-cache');
    const spec = guestSpec(root, guest);
    const first = await chooseAccelerator({ binary, spec, cacheDir });
    if (first.accelerator === 'tcg') assert.match(first.note ?? '', /kvm does not work on this host: .+/);
    else assert.equal(first.accelerator, 'kvm');
    assert.deepEqual(await processesMentioning(cacheDir), []);
    assert.deepEqual((await readdir(cacheDir)).filter((f) => f.endsWith('.pid')), []);

    const started = performance.now();
    const second = await chooseAccelerator({ binary, spec, cacheDir });
    assert.deepEqual(second, first);
    assert.ok(performance.now() - started < 1_000, 'the second choice comes from the cache');
  });

  it('runs QEMU only to probe: a cached verdict costs no QEMU run, and a replaced binary is probed again', { skip: noKvm }, async () => {
    // A stand-in for the binary that logs each run, then runs the real one.
    const runs = path.join(root, 'runs.log');
    const wrapper = path.join(root, 'qemu-wrapper');
    await writeFile(wrapper, `#!/bin/sh\necho "$*" >> '${runs}'\nexec '${binary}' "$@"\n`, { mode: 0o755 });
    const ranFor = async () => (await readFile(runs, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)
      .map((line) => (line.includes('corral-accel-probe') ? 'probe' : line));
    const options = { binary: wrapper, spec: guestSpec(root, guest), cacheDir: path.join(root, 'wrapper-cache') };

    const first = await chooseAccelerator(options);
    assert.deepEqual(await ranFor(), ['probe']);
    assert.deepEqual(await chooseAccelerator(options), first);
    assert.deepEqual(await ranFor(), ['probe'], 'the cached verdict is used without running QEMU');

    // A package upgrade replaces the file: another modification time.
    const later = new Date(Date.now() + 60_000);
    await utimes(wrapper, later, later);
    await chooseAccelerator(options);
    assert.deepEqual(await ranFor(), ['probe', 'probe']);
  });

  it('counts a kernel that boots to its end (tcg)', async () => {
    const result = await probeKernel('tcg', { binary, spec: guestSpec(root, guest), cacheDir: path.join(root, 'tcg-cache'), probeTimeoutMs: 30_000 });
    assert.deepEqual(result, { works: true, conclusive: true });
  });

  it('does not count a kernel that prints and then stops (as under this host\'s broken kvm)', async () => {
    // The boot loader prints within 0.2 s under TCG; the kernel needs about 3 s more to finish.
    // Cut it off in between: the first bytes alone must not pass for a working accelerator.
    const result = await probeKernel('tcg', { binary, spec: guestSpec(root, guest), cacheDir: path.join(root, 'cut-cache'), probeTimeoutMs: 1_200 });
    assert.equal(result.works, false);
    assert.equal(result.conclusive, true);
    assert.match(result.reason ?? '', /did not finish booting in 1\.2 s under tcg/);
  });

  it('ends probe VMs orphaned by a driver process that died', async () => {
    const cacheDir = await tempDir('orphan');
    try {
      // A driver pid that is surely dead: a process that has exited.
      const dead = spawn('true');
      await new Promise((resolve) => dead.once('exit', resolve));
      const pidFile = path.join(cacheDir, `accel-probe.${dead.pid}.pid`);
      await new Promise<void>((resolve, reject) => execFile(binary, [
        '-name', 'corral-accel-probe', '-machine', 'q35', '-accel', 'tcg', '-m', '64M', '-nodefaults', '-display', 'none', '-S',
        '-daemonize', '-pidfile', pidFile,
      ], (error) => (error ? reject(error) : resolve())));
      const orphan = await readPidFile(pidFile) ?? assert.fail('no orphan pid');
      try {
        await reapOrphanProbes(cacheDir);
        assert.equal(await isAlive(orphan), false);
        assert.deepEqual(await readdir(cacheDir), []);
      } finally {
        await killFromPidFiles(pidFile);
      }
    } finally {
      await removeDir(cacheDir);
    }
  });
});
