// Start to ready on the real Debian guest: `engine.start()` against running the very same QEMU
// command line directly, each from the same fresh disk and the same kind of cidata, to the
// same point in the guest: cloud-init's final message on the serial console, then a first
// successful `ssh ... true`. Goal: under 1.05x. One boot each (1 to 3 minutes under TCG).
//
// A short warm-up start through the engine (ended at once) gives the command line (read from
// /proc/PID/cmdline), the cidata and the SSH port, and warms the page cache for both. The disk
// overlay is put back to its state before the first boot ahead of each measured run, so both
// boot a guest cloud-init has never seen. The direct run drops `-S` (the driver starts QEMU
// paused and sends QMP `cont`; that round trip counts against the engine here).
//
// Second figure, from the engine's boot: the guest's ready (the host agent's status) to a
// static port forward answering on the host, in hostagent.log's times, against one fresh SSH
// login timed right after (what forwarding waited for when it logged in by itself). Goal: under
// 0.5x, the forwards riding on the connection the agent already holds.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { readyToFirstForwardMs } from '../e2e/support/agent-log.ts';
import { portsFileName, readPortsFile } from '../src-main/core/guest/ports-file.ts';
import { freeLoopbackPort } from '../src-main/core/ssh/guest-endpoint.ts';
import { cloudInitFinished, createDebianGuest, sshTrue, waitForLine } from './debian-guest.ts';
import type { DebianGuest } from './debian-guest.ts';
import { alive, waitForExit } from './guest-vm.ts';
import { report } from './stats.ts';
import { startedPid } from '../src-drivers/sdk/test-support/started.ts';

const bootTimeoutMs = 10 * 60_000;

async function cmdline(pid: number): Promise<string[]> {
  const raw = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
  return raw.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
}

/** The disk as create() made it, and a way to put it back. */
async function freshDisk(guest: DebianGuest): Promise<() => Promise<void>> {
  const disk = path.join(guest.dir, 'disk.qcow2');
  const saved = path.join(guest.root, 'disk.fresh.qcow2');
  await fs.copyFile(disk, saved);
  return () => fs.copyFile(saved, disk);
}

/** What QEMU leaves behind when killed: the engine would take it for a running VM. */
async function removeLeftovers(guest: DebianGuest, argv: string[]): Promise<void> {
  const sockets = argv.flatMap((arg) => /path=([^,]+\.sock)/.exec(arg)?.[1] ?? []);
  await Promise.all([path.join(guest.dir, 'qemu.pid'), ...sockets].map((f) => fs.rm(f, { force: true })));
}

/** Resolves once ports.json lists a forward to `hostPort`, re-read at each change of the folder. */
async function forwardListed(dir: string, hostPort: number): Promise<void> {
  const listed = async (): Promise<boolean> => (await readPortsFile(dir).catch(() => undefined))?.forwards.some((f) => f.hostPort === hostPort) ?? false;
  const changes = fs.watch(dir, { signal: AbortSignal.timeout(bootTimeoutMs) });
  if (await listed()) return;
  for await (const change of changes) if (change.filename === portsFileName && await listed()) return;
}

async function answers(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(); });
    socket.once('error', reject);
  });
}

interface EngineRun {
  ms: number;
  /** The guest's ready to the static forward bound, from hostagent.log. */
  portMs: number;
  /** One fresh `ssh true`, right after: the same run's baseline for the port's wait. */
  loginMs: number;
}

async function engineToReady(guest: DebianGuest, hostPort: number): Promise<EngineRun> {
  const t = performance.now();
  const ready = waitForLine(guest.serialLog, cloudInitFinished, bootTimeoutMs);
  const pid = startedPid(await guest.engine.start(guest.name));
  guest.pids.add(pid);
  await ready;
  const target = await guest.target();
  await sshTrue(target);
  const ms = performance.now() - t;
  await forwardListed(guest.dir, hostPort);
  await answers(hostPort);
  const portMs = readyToFirstForwardMs(await fs.readFile(path.join(guest.dir, 'hostagent.log'), 'utf8'));
  if (portMs === undefined) throw new Error(`hostagent.log has no ready or no forward line; see ${guest.dir}`);
  const login = performance.now();
  await sshTrue(target);
  const loginMs = performance.now() - login;
  await guest.engine.stop(guest.name, { force: true });
  await waitForExit(pid);
  return { ms, portMs, loginMs };
}

async function directToReady(guest: DebianGuest, argv: string[]): Promise<number> {
  const [binary, ...args] = argv.filter((arg) => arg !== '-S');
  if (!binary) throw new Error('empty QEMU command line');
  const target = await guest.target(); // the port in this command line
  await removeLeftovers(guest, argv);
  const t = performance.now();
  const ready = waitForLine(guest.serialLog, cloudInitFinished, bootTimeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(binary, args, { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`the direct QEMU run exited with ${code}`);
  const pid = Number((await fs.readFile(path.join(guest.dir, 'qemu.pid'), 'utf8')).trim());
  guest.pids.add(pid);
  try {
    await ready;
    await sshTrue(target);
    return performance.now() - t;
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    await waitForExit(pid);
    await removeLeftovers(guest, argv);
  }
}

export async function run(): Promise<void> {
  const hostPort = await freeLoopbackPort();
  const guest = await createDebianGuest('readybench', ['portForwards:', '- guestPort: 80', `  hostPort: ${hostPort}`]);
  try {
    const restore = await freshDisk(guest);
    const warm = { pid: startedPid(await guest.engine.start(guest.name)) };
    guest.pids.add(warm.pid);
    const argv = await cmdline(warm.pid);
    await guest.engine.stop(guest.name, { force: true });
    await waitForExit(warm.pid);

    await restore();
    const direct = await directToReady(guest, argv);
    await restore();
    const engine = await engineToReady(guest, hostPort);
    const s = (v: number) => `${(v / 1000).toFixed(1)} s`;
    report('Debian guest start to ready (cloud-init done + ssh) through the engine vs direct qemu', engine.ms / direct, '< 1.05x',
      `${s(engine.ms)} vs ${s(direct)}, one boot each`);
    report('Debian guest ready to a static port forward answering vs one fresh SSH login', engine.portMs / engine.loginMs, '< 0.5x',
      `${(engine.portMs / 1000).toFixed(2)} s vs ${(engine.loginMs / 1000).toFixed(2)} s, one boot`);
  } finally {
    await guest.dispose();
  }
}

if (import.meta.main) await run();
