// Starting a VM through the engine (lock, inspect, artifacts, driver RPC, accelerator choice,
// QEMU spawn, pid file, QMP) against spawning the very same QEMU command line directly, same
// run, three ways:
//   1. engine.start() until it resolves vs the direct spawn until QEMU's foreground process
//      exits (-daemonize: the VM is set up). Goal: at most 150 ms extra.
//   2. `corral start --no-wait` (a fresh CLI process, as a user runs it) to the tiny guest's
//      ready marker in serial.log, vs the direct spawn to the same marker. Goal: at most 1.1x.
//      The CLI side includes Node's start-up and the driver process's (the bundles' business).
//   3. How long after QEMU is running the CLI returns: its exit less the moment QEMU has set the
//      VM up (the pid file's time plus QEMU's own set-up after it, from the direct rounds).
//      Goal: within 300 ms.
// CORRAL_BENCH_AB_BIN=/other/checkout/bin/corral.js adds that checkout's CLI to every marker
// round (the order alternating), for an A/B of two trees in one run so the load hits both alike.
//
// The first engine start warms the accelerator probe cache and the driver process. A guest
// without a display is not held at -S (argv.ts), so the direct spawn of its argv boots it.
import { spawn } from 'node:child_process';
import { watch as fsWatch } from 'node:fs';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { bareBoot, cmdline, killVm, markerIn, removeLeftovers } from './boot-marker.ts';
import { alive, createGuest, sharedCache, waitForExit } from './guest-vm.ts';
import type { BenchGuest } from './guest-vm.ts';
import { median, percentile, report } from './stats.ts';
import { startedPid } from '../src-drivers/sdk/test-support/started.ts';

const rounds = Number(process.env.CORRAL_BENCH_ROUNDS ?? 8);
/** Boots to the marker take seconds each: fewer rounds. */
const markerRounds = Number(process.env.CORRAL_BENCH_MARKER_ROUNDS ?? 3);

async function apiStart(guest: BenchGuest): Promise<{ ms: number; argv: string[] }> {
  const t = performance.now();
  const pid = startedPid(await guest.engine.start(guest.name));
  const ms = performance.now() - t;
  guest.pids.add(pid);
  const argv = await cmdline(pid);
  await guest.engine.stop(guest.name, { force: true });
  await waitForExit(pid);
  return { ms, argv };
}

async function directStart(guest: BenchGuest, argv: string[]): Promise<number> {
  await removeLeftovers(guest);
  const [binary, ...args] = argv;
  if (!binary) throw new Error('empty QEMU command line');
  const t = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  const ms = performance.now() - t;
  const pid = Number((await fs.readFile(path.join(guest.dir, 'qemu.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    guest.pids.add(pid);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitForExit(pid);
  }
  await removeLeftovers(guest);
  if (code !== 0) throw new Error(`the direct QEMU spawn exited with ${code}`);
  return ms;
}

const corralBin = fileURLToPath(new URL('../bin/corral.js', import.meta.url));
/** Another checkout's CLI, measured in the same rounds (see the top). */
const otherBin = process.env.CORRAL_BENCH_AB_BIN;

/**
 * `corral start NAME --no-wait` in its own process: ms from the spawn to the marker, to
 * "Started" on stdout, to its exit, and to QEMU's pid file; the VM is then ended.
 */
async function cliBoot(guest: BenchGuest, bin = corralBin): Promise<{ markerMs: number; printedMs: number; exitMs: number; pidFileMs: number }> {
  await fs.rm(guest.serialLog, { force: true }); // the last boot's log has the marker too
  const marker = markerIn(guest.serialLog);
  const t = performance.now();
  try {
    const child = spawn(process.execPath, [bin, '--home', path.join(guest.root, 'home'), 'start', guest.name, '--no-wait'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CORRAL_CACHE: sharedCache },
    });
    let printed = 0;
    let stderr = '';
    child.stdout.on('data', () => { printed ||= performance.now(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(performance.now()) : reject(new Error(`corral start exited with ${code}: ${stderr.trim()}`))));
    });
    const seen = await marker.seen;
    const pidFile = (await fs.stat(path.join(guest.dir, 'qemu.pid'))).mtimeMs - performance.timeOrigin;
    return { markerMs: seen - t, printedMs: printed - t, exitMs: exited - t, pidFileMs: pidFile - t };
  } finally {
    marker.cancel();
    await guest.engine.stop(guest.name, { force: true }).catch(() => undefined);
    await killVm(guest);
  }
}

/** The direct spawn to the marker, with the pid file's time (QEMU writes it before setting the VM up). */
async function bareBootTimed(guest: BenchGuest, argv: string[]): Promise<{ markerMs: number; setUpAfterPidFileMs: number }> {
  const t = performance.now();
  let pidFile = 0;
  const watcher = fsWatch(guest.dir, (_event, file) => {
    if (file === 'qemu.pid' && pidFile === 0) pidFile = performance.now();
  });
  try {
    const { markerMs, setUpMs } = await bareBoot(guest, argv);
    return { markerMs, setUpAfterPidFileMs: setUpMs - (pidFile - t) };
  } finally {
    watcher.close();
  }
}

export async function run(): Promise<void> {
  const guest = await createGuest('startbench');
  try {
    const warm = await apiStart(guest); // accelerator probe cache, driver process, file cache
    await directStart(guest, warm.argv);
    const api: number[] = [];
    const direct: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const a = await apiStart(guest);
      api.push(a.ms);
      direct.push(await directStart(guest, a.argv));
    }
    const extra = median(api) - median(direct);
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    report(
      'VM start through the engine vs direct qemu spawn',
      median(api) / median(direct),
      '< 150 ms extra',
      `extra ${ms(extra)}; median ${ms(median(api))} vs ${ms(median(direct))}, p90 ${ms(percentile(api, 90))} vs ${ms(percentile(direct, 90))} over ${rounds} rounds`,
    );

    // The CLI, as a user runs it, to the guest's ready marker; rounds interleaved with direct boots.
    const cli: Awaited<ReturnType<typeof cliBoot>>[] = [];
    const bare: Awaited<ReturnType<typeof bareBootTimed>>[] = [];
    const other: Awaited<ReturnType<typeof cliBoot>>[] = [];
    for (let round = 0; round < markerRounds; round++) {
      if (otherBin && round % 2 === 1) other.push(await cliBoot(guest, otherBin));
      cli.push(await cliBoot(guest));
      if (otherBin && round % 2 === 0) other.push(await cliBoot(guest, otherBin));
      bare.push(await bareBootTimed(guest, warm.argv));
      if (process.env.CORRAL_BENCH_VERBOSE) process.stderr.write(`marker round ${round}: cli ${JSON.stringify(cli.at(-1))}, other ${JSON.stringify(other.at(-1))}, bare ${JSON.stringify(bare.at(-1))}\n`);
    }
    const cliMarker = median(cli.map((c) => c.markerMs));
    const bareMarker = median(bare.map((b) => b.markerMs));
    report('start to the guest\'s ready marker: corral start (CLI) vs direct qemu spawn', cliMarker / bareMarker, '<= 1.1x',
      `median ${ms(cliMarker)} vs ${ms(bareMarker)} over ${markerRounds} rounds (the CLI's own Node start-up included)`);
    if (otherBin) {
      const otherMarker = median(other.map((c) => c.markerMs));
      report(`start to the marker: ${otherBin} vs direct qemu spawn`, otherMarker / bareMarker, 'A/B', `median ${ms(otherMarker)} vs ${ms(bareMarker)}`);
      report(`start to the marker: this tree vs ${otherBin}`, cliMarker / otherMarker, 'A/B', `median ${ms(cliMarker)} vs ${ms(otherMarker)}; to QEMU's pid file ${ms(median(cli.map((c) => c.pidFileMs)))} vs ${ms(median(other.map((c) => c.pidFileMs)))}`);
    }
    const qemuSetUp = median(bare.map((b) => b.setUpAfterPidFileMs));
    const returned = median(cli.map((c) => c.exitMs - c.pidFileMs)) - qemuSetUp;
    const printed = median(cli.map((c) => c.printedMs - c.pidFileMs)) - qemuSetUp;
    report('corral start returns after QEMU runs', returned / 300, 'within 300 ms (ratio to 300 ms)',
      `exit ${ms(returned)}, "Started" printed ${ms(printed)} after QEMU set the VM up (its pid file + ${ms(qemuSetUp)} of QEMU's own set-up)`);
  } finally {
    await guest.dispose();
  }
}

if (import.meta.main) await run();
