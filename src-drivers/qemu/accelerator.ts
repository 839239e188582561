// Picks the best accelerator that really works. A device node is not proof: on some hosts
// /dev/kvm opens and KVM runs firmware and the kernel's real-mode setup (which prints "Probing
// EDD"), yet the kernel proper hangs silently. So the check boots the instance's own kernel
// under the hardware accelerator, without a root disk, and counts it as working only when the
// kernel runs all the way to its "cannot mount root" panic and QEMU exits (-no-reboot); the
// verdict is cached per QEMU binary (its path, size and modification time: an upgrade replaces
// the file) and host kernel.
//
// CORRAL_QEMU_ACCEL=kvm|hvf|whpx|tcg skips all of this and uses that accelerator as given.
import { spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { DriverError } from '../sdk/index.ts';
import type { InstanceSpec } from '../sdk/index.ts';
import { archProfile, cpuModel } from './argv.ts';
import { acceleratableHostArch } from './host.ts';
import { isAlive, isOurProcess, readPidFile, sendSignal, waitForExit } from './process.ts';

export const ACCEL_ENV = 'CORRAL_QEMU_ACCEL';
const accelerators = ['kvm', 'hvf', 'whpx', 'tcg'] as const;
const hardwareByPlatform: Partial<Record<NodeJS.Platform, string>> = { linux: 'kvm', darwin: 'hvf', win32: 'whpx' };

export interface AcceleratorChoice {
  accelerator: string;
  /** Why a better accelerator was not used (or why this one was). */
  note?: string;
}

/** The accelerators this host may offer, best first (for the handshake; not a verdict). */
export function candidateAccelerators(): string[] {
  const hardware = hardwareByPlatform[process.platform];
  // Existence only: permissions and whether it really works are checked at start.
  if (hardware === 'kvm') return existsSync('/dev/kvm') ? ['kvm', 'tcg'] : ['tcg'];
  return hardware ? [hardware, 'tcg'] : ['tcg'];
}

export interface ChooseOptions {
  /** Absolute path of the system emulator for the spec's arch. */
  binary: string;
  spec: InstanceSpec;
  cacheDir: string;
  /** How long the kernel may stay silent under the hardware accelerator. */
  probeTimeoutMs?: number;
}

const verdictSchema = z.object({ works: z.boolean(), reason: z.string().optional(), checkedAt: z.string() });
const cacheSchema = z.object({ verdicts: z.record(z.string(), verdictSchema) });
type Verdict = z.infer<typeof verdictSchema>;

const CACHE_FILE = 'qemu-accelerators.json';
const inFlight = new Map<string, Promise<Verdict & { conclusive: boolean }>>();

export async function chooseAccelerator(options: ChooseOptions): Promise<AcceleratorChoice> {
  const forced = process.env[ACCEL_ENV];
  if (forced) {
    if (!(accelerators as readonly string[]).includes(forced)) {
      throw new DriverError('INVALID_CONFIG', `${ACCEL_ENV}=${forced} is not an accelerator; use one of ${accelerators.join(', ')} or unset it`);
    }
    return { accelerator: forced, note: `set by ${ACCEL_ENV}` };
  }
  const hardware = hardwareByPlatform[process.platform];
  if (!hardware) return { accelerator: 'tcg' };
  const { arch } = options.spec.config;
  if (acceleratableHostArch() !== arch) return { accelerator: 'tcg', note: `${hardware} cannot run ${arch} guests on this ${os.arch()} host` };
  if (hardware === 'kvm') {
    const problem = await kvmDeviceProblem();
    if (problem) return { accelerator: 'tcg', note: problem };
  }

  const key = await cacheKey(hardware, options.binary);
  let verdict = (await readCache(options.cacheDir))[key];
  if (!verdict) {
    if (!options.spec.config.kernel) {
      return { accelerator: 'tcg', note: `${hardware} was not verified on this host (the check boots the instance's kernel and this instance has none); set ${ACCEL_ENV}=${hardware} to use it anyway` };
    }
    let probe = inFlight.get(key);
    if (!probe) {
      // A probe that cannot run at all must not fail the start: it just proves nothing.
      probe = probeAndRecord(hardware, key, options)
        .catch((error: unknown) => ({ works: false, conclusive: false, checkedAt: '', reason: error instanceof Error ? error.message : String(error) }))
        .finally(() => inFlight.delete(key));
      inFlight.set(key, probe);
    }
    const probed = await probe;
    if (!probed.conclusive) return { accelerator: 'tcg', note: `${hardware} could not be checked (${probed.reason ?? 'unknown reason'}); using tcg this time` };
    verdict = probed;
  }
  if (verdict.works) return { accelerator: hardware };
  return { accelerator: 'tcg', note: `${hardware} does not work on this host: ${verdict.reason ?? 'unknown reason'} (checked ${verdict.checkedAt}; delete ${path.join(options.cacheDir, CACHE_FILE)} to check again)` };
}

async function kvmDeviceProblem(): Promise<string | undefined> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '/dev/kvm does not exist (KVM is not enabled on this host)';
    return '/dev/kvm is not read-write for this user (add the user to the kvm group)';
  }
}

/**
 * The binary's file stands for its version: asking QEMU (--version) spawned the emulator, a
 * large binary with many libraries, at every start; a stat is enough to notice an upgrade.
 */
async function cacheKey(hardware: string, binary: string): Promise<string> {
  const real = await realpath(binary).catch(() => binary);
  const file = await stat(real);
  return [hardware, real, `${file.size}@${Math.trunc(file.mtimeMs)}`, os.release()].join('|');
}

async function readCache(cacheDir: string): Promise<Record<string, Verdict>> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(await readFile(path.join(cacheDir, CACHE_FILE), 'utf8')));
    return parsed.success ? parsed.data.verdicts : {};
  } catch {
    return {};
  }
}

async function writeCache(cacheDir: string, key: string, verdict: Verdict): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const verdicts = { ...(await readCache(cacheDir)), [key]: verdict };
  const file = path.join(cacheDir, CACHE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify({ verdicts }, null, 2) + '\n');
  await rename(temp, file);
}

/** Probes, and caches verdicts that describe the host (not one-off failures such as a bad kernel file). */
async function probeAndRecord(hardware: string, key: string, options: ChooseOptions): Promise<Verdict & { conclusive: boolean }> {
  const result = await probeKernel(hardware, options);
  const verdict: Verdict = { works: result.works, checkedAt: new Date().toISOString(), ...(result.reason ? { reason: result.reason } : {}) };
  if (result.conclusive) await writeCache(options.cacheDir, key, verdict);
  return { ...verdict, conclusive: result.conclusive };
}

interface ProbeResult {
  works: boolean;
  reason?: string;
  /** False when QEMU failed for a reason unrelated to the accelerator. */
  conclusive: boolean;
}

/**
 * Boots the spec's kernel under `hardware` with no root disk and reports whether it ran to its
 * panic in time. The QEMU is our child; it is killed and reaped before returning, and its pid
 * file lets a later driver process end it if this one dies mid-probe.
 */
export async function probeKernel(hardware: string, options: ChooseOptions): Promise<ProbeResult> {
  const { spec, cacheDir, binary } = options;
  const kernel = spec.config.kernel;
  if (!kernel) throw new Error('probeKernel needs a kernel');
  // A working accelerator gets there in about a second; TCG takes 3 s here.
  const timeoutMs = options.probeTimeoutMs ?? 15_000;
  await mkdir(cacheDir, { recursive: true });
  await reapOrphanProbes(cacheDir);
  const pidFile = probePidFile(cacheDir, process.pid);
  const profile = archProfile(spec.config.arch);
  const early = spec.config.arch === 'x86_64' ? `earlyprintk=serial,${profile.console}` : 'earlycon';
  const child = spawn(binary, [
    '-name', 'corral-accel-probe',
    '-machine', profile.machine, '-accel', hardware, '-cpu', cpuModel(hardware),
    '-smp', '1', '-m', '256M', '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    // No initrd and no root: the kernel boots, cannot mount a root, panics and resets at once
    // (panic=-1), which -no-reboot turns into QEMU's exit.
    '-kernel', kernel.path, '-append', `console=${profile.console} ${early} panic=-1`,
    '-serial', 'stdio', '-pidfile', pidFile,
  ], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });

  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => { stdout = (stdout + chunk).slice(-16_000); });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4_000); });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const result = await new Promise<ProbeResult>((resolve) => {
    const timer = setTimeout(() => {
      const lastLine = stdout.trim().split('\n').at(-1)?.trim();
      const said = lastLine ? `its last words were "${lastLine.slice(0, 120)}"` : 'it printed nothing';
      resolve({ works: false, conclusive: true, reason: `a Linux kernel did not finish booting in ${timeoutMs / 1000} s under ${hardware}; ${said} (the guest hangs)` });
    }, timeoutMs);
    child.once('error', (error) => { clearTimeout(timer); resolve({ works: false, conclusive: false, reason: error.message }); });
    // 'close', not 'exit': the kernel's last lines must be read before judging.
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && /Kernel panic/.test(stdout)) {
        resolve({ works: true, conclusive: true });
        return;
      }
      const message = stderr.trim().split('\n').slice(-3).join(' ') || `QEMU exited (${String(code)}) before the kernel finished booting`;
      // "failed to initialize kvm", "Could not access KVM kernel module", "HV_ERROR"...: about the accelerator.
      const aboutAccel = new RegExp(`${hardware}|accel|hypervisor|HV_`, 'i').test(message);
      resolve({ works: false, conclusive: aboutAccel, reason: message });
    });
  });
  child.kill('SIGKILL');
  if (child.pid !== undefined) await exited;
  await rm(pidFile, { force: true });
  return result;
}

function probePidFile(cacheDir: string, driverPid: number): string {
  return path.join(cacheDir, `accel-probe.${driverPid}.pid`);
}

/** Ends probe QEMUs left by driver processes that died mid-probe (a hung guest never exits by itself). */
export async function reapOrphanProbes(cacheDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = /^accel-probe\.(\d+)\.pid$/.exec(name)?.[1];
    if (!owner || Number(owner) === process.pid || (await isAlive(Number(owner)))) continue;
    const file = path.join(cacheDir, name);
    const pid = await readPidFile(file);
    if (pid !== undefined && (await isOurProcess(pid, file))) {
      sendSignal(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
    await rm(file, { force: true });
  }
}
