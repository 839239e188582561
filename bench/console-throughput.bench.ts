// Serial console throughput, guest -> engine: the guest prints a long run of bytes and a
// marker; we time from typing the command to the marker arriving through
// engine.openConsole().onData, against reading the same VM's output directly, same run.
// Goal: >= 0.8x the direct rate.
//
// Two direct baselines, rounds interleaved with the engine's:
//   - following serial.log ourselves with fs.watch + read (headline): QEMU logs every byte the
//     guest writes there whether or not a client is connected, and the driver follows that
//     file, so with no client on the socket the guest runs exactly as in the engine rounds and
//     the ratio isolates what Corral adds (driver read, driver -> engine stream, session).
//   - the serial socket itself (context): the raw bytes as `socat - UNIX:serial.sock` shows
//     them. Not the headline because a connected client changes the producer: QEMU then
//     applies flow control to the UART and the guest prints ~25% slower here, so this
//     "baseline" is slower than the engine path it is meant to bound.
// The guest's own rate (TCG, a 16550 UART) bounds all of them; a ratio near 1 means the
// engine keeps up with the guest.
import type { ConsoleSession } from '../src-main/core/console.ts';
import { bootGuest, createGuest, followFile, MarkerScanner, typeDirect } from './guest-vm.ts';
import type { BenchGuest } from './guest-vm.ts';
import { setTimeout as delay } from 'node:timers/promises';
import { median, report } from './stats.ts';

const marker = 'ENDMARK';
const rounds = Number(process.env.CORRAL_BENCH_ROUNDS ?? 3);
/** The typed command: its echo reads END""MARK, so only the output matches. */
const command = (kib: number) => `dd if=/dev/zero bs=1k count=${kib} 2>/dev/null | tr '\\0' x; echo END""MARK\n`;
/** Longer than the driver's input connection lingers (150 ms), so the socket is free again. */
const settle = () => delay(400);

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`${what}: no ${marker} after ${ms} ms`)), ms).unref();
  });
}

async function openSession(guest: BenchGuest): Promise<ConsoleSession> {
  const session = await guest.engine.openConsole(guest.name);
  // Let the replay of recent output pass before a round starts.
  await new Promise<void>((resolve) => {
    let timer = setTimeout(resolve, 300);
    session.onData(() => { clearTimeout(timer); timer = setTimeout(resolve, 300); });
  });
  return session;
}

/** Seconds from typing to the marker, through the engine's console stream. */
async function viaEngine(guest: BenchGuest, kib: number): Promise<number> {
  const session = await openSession(guest);
  try {
    const scanner = new MarkerScanner(marker);
    const done = new Promise<number>((resolve) => {
      session.onData((bytes) => { if (!scanner.found && scanner.push(bytes)) resolve(performance.now()); });
    });
    const t = performance.now();
    session.write(Buffer.from(command(kib)));
    return ((await Promise.race([done, timeout(120_000, 'engine')])) - t) / 1000;
  } finally {
    await session.close();
    await settle();
  }
}

/** Seconds from typing to the marker, reading the serial socket itself. */
async function viaSocket(guest: BenchGuest, kib: number): Promise<number> {
  const scanner = new MarkerScanner(marker);
  let resolveDone: (t: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => { resolveDone = resolve; });
  const t = performance.now();
  const socket = await typeDirect(guest.serialSocket, command(kib));
  socket.on('data', (bytes: Buffer) => { if (!scanner.found && scanner.push(bytes)) resolveDone(performance.now()); });
  try {
    return ((await Promise.race([done, timeout(120_000, 'socket')])) - t) / 1000;
  } finally {
    socket.destroy();
    await settle();
  }
}

/** Seconds from typing to the marker, following serial.log like the driver does. */
async function viaLog(guest: BenchGuest, kib: number): Promise<number> {
  const scanner = new MarkerScanner(marker);
  let resolveDone: (t: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => { resolveDone = resolve; });
  const stop = followFile(guest.serialLog, (bytes) => { if (!scanner.found && scanner.push(bytes)) resolveDone(performance.now()); });
  const t = performance.now();
  const socket = await typeDirect(guest.serialSocket, command(kib));
  socket.end(); // typing only: the output is read from the file
  try {
    return ((await Promise.race([done, timeout(120_000, 'serial.log')])) - t) / 1000;
  } finally {
    stop();
    socket.destroy();
    await settle();
  }
}

export async function run(): Promise<void> {
  const guest = await createGuest('consolebench');
  try {
    const booted = await bootGuest(guest);
    booted.off();
    await booted.session.close();
    await settle();
    // Calibrate: about 4 s of output at the guest's rate, read from serial.log (bounded: the rate swings with load).
    const probeKiB = 384;
    const probe = await viaLog(guest, probeKiB);
    const kib = Math.min(768, Math.max(256, Math.round((probeKiB / probe) * 4)));
    const bytes = kib * 1024;
    await viaEngine(guest, 64); // warm the engine path
    const engine: number[] = [];
    const socket: number[] = [];
    const log: number[] = [];
    for (let round = 0; round < rounds; round++) {
      log.push(await viaLog(guest, kib));
      engine.push(await viaEngine(guest, kib));
      socket.push(await viaSocket(guest, kib));
      if (process.env.CORRAL_BENCH_VERBOSE) process.stderr.write(`round ${round}: engine ${engine.at(-1)?.toFixed(2)} s, socket ${socket.at(-1)?.toFixed(2)} s, serial.log ${log.at(-1)?.toFixed(2)} s\n`);
    }
    const rate = (seconds: number[]) => bytes / median(seconds);
    const kbps = (r: number) => `${(r / 1024).toFixed(0)} KiB/s`;
    const detail = (other: string, base: number[]) => `median ${kbps(rate(engine))} vs ${kbps(rate(base))} (${other}), ${kib} KiB per round, ${rounds} rounds`;
    report('console guest -> engine stream vs following serial.log', rate(engine) / rate(log), '>= 0.8x', detail('serial.log', log));
    report('console guest -> engine stream vs serial socket client', rate(engine) / rate(socket), 'context, no goal: a socket client slows the guest', detail('socket', socket));
  } finally {
    await guest.dispose();
  }
}

if (import.meta.main) await run();
