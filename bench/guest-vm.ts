// Shared by the QEMU benchmarks: a temp CORRAL_HOME with one instance of the e2e test guest,
// the guest's paths, a direct line to its output (serial.log and the serial socket), and a
// cleanup that leaves no VM, socket or folder behind.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Engine } from '../src-main/core/engine.ts';
import type { EngineOptions } from '../src-main/core/engine.ts';
import type { ConsoleSession } from '../src-main/core/console.ts';
import { ConsoleText, readyMarker, writeGuestTemplate } from '../e2e/support/guest.ts';
// Process facts are the tests' own helpers: one definition of "alive" (a zombie counts as gone).
import { alive, waitForExit } from '../e2e/support/processes.ts';
import { startedPid } from '../src-drivers/sdk/test-support/started.ts';

export { alive, waitForExit };

/** The e2e tests' cache, so the accelerator probe (a guest boot) is not redone per run. */
export const sharedCache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

export interface BenchGuest {
  root: string;
  engine: Engine;
  name: string;
  dir: string;
  runtimeDir: string;
  serialLog: string;
  serialSocket: string;
  /** Every pid this bench saw run a VM: killed in dispose() if still alive. */
  pids: Set<number>;
  dispose(): Promise<void>;
}

/** Creates the instance (not started). */
export async function createGuest(name = 'bench', options: Pick<EngineOptions, 'hostAgent'> = {}): Promise<BenchGuest> {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'corral-bench-'));
  const engine = new Engine({ home: path.join(root, 'home'), cache: sharedCache, health: { intervalMs: 0, timeoutMs: 10_000 }, ...options });
  const pids = new Set<number>();
  let disposed = false;
  const guest: BenchGuest = {
    root,
    engine,
    name,
    dir: '',
    runtimeDir: engine.paths.runtimeDir(engine.paths.instanceDir(name)),
    serialLog: '',
    serialSocket: '',
    pids,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await engine.delete(name, { force: true }).catch(() => undefined);
      await engine.close().catch(() => undefined);
      for (const pid of pids) {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
        await waitForExit(pid).catch(() => undefined);
      }
      await fsp.rm(guest.runtimeDir, { recursive: true, force: true });
      await fsp.rm(root, { recursive: true, force: true });
    },
  };
  try {
    // No nerdctl archive: the test guest runs no containerd, and nothing may be downloaded here.
    const template = await writeGuestTemplate(root, { containerd: { system: false, user: false } });
    const { instance } = await engine.create(name, { template });
    guest.dir = instance.dir;
    guest.serialLog = path.join(instance.dir, 'serial.log');
    guest.serialSocket = path.join(guest.runtimeDir, 'serial.sock');
    return guest;
  } catch (error) {
    await guest.dispose();
    throw error;
  }
}

/** Starts the instance through the engine and waits for the guest's shell on its console. */
export async function bootGuest(guest: BenchGuest): Promise<{ session: ConsoleSession; text: ConsoleText; off: () => void }> {
  const pid = startedPid(await guest.engine.start(guest.name));
  guest.pids.add(pid);
  const session = await guest.engine.openConsole(guest.name);
  const text = new ConsoleText();
  const off = session.onData((bytes) => text.push(bytes));
  await text.waitFor(readyMarker, 0, 120_000);
  // The shell prompt follows the marker; give it a moment, then prove it answers.
  const from = text.text.length;
  session.write(Buffer.from('echo AL""IVE\n'));
  await text.waitFor('ALIVE', from, 30_000);
  return { session, text, off };
}

/** Writes `input` on a fresh connection to the serial socket (retrying while another client holds it). */
export async function typeDirect(socketPath: string, input: string): Promise<net.Socket> {
  for (let attempt = 0; ; attempt++) {
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection(socketPath, () => resolve(s));
        s.once('error', reject);
      });
      socket.write(input);
      return socket;
    } catch (error) {
      if (attempt > 50) throw error;
      await delay(20);
    }
  }
}

/**
 * Follows a growing file from its current end with fs.watch + read (what the driver does),
 * calling `onBytes` for what is new. Returns a stop function.
 */
export function followFile(file: string, onBytes: (bytes: Buffer) => void): () => void {
  const fd = fs.openSync(file, 'r');
  let offset = fs.fstatSync(fd).size;
  const buffer = Buffer.alloc(256 * 1024);
  const readNew = (): void => {
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, offset);
      if (read <= 0) return;
      offset += read;
      onBytes(buffer.subarray(0, read));
    }
  };
  const watcher = fs.watch(file, readNew);
  return () => {
    watcher.close();
    fs.closeSync(fd);
  };
}

/**
 * Scans a byte stream for `marker` across chunk borders; counts bytes up to it.
 * Returns true from push() once the marker has been seen.
 */
export class MarkerScanner {
  readonly #marker: Buffer;
  #tail = Buffer.alloc(0);
  bytes = 0;
  found = false;

  constructor(marker: string) {
    this.#marker = Buffer.from(marker);
  }

  push(chunk: Uint8Array): boolean {
    if (this.found) return true;
    const joined = Buffer.concat([this.#tail, chunk]);
    const at = joined.indexOf(this.#marker);
    if (at >= 0) {
      this.bytes += at - this.#tail.length + this.#marker.length;
      this.found = true;
      return true;
    }
    this.bytes += chunk.length;
    this.#tail = joined.subarray(Math.max(0, joined.length - this.#marker.length + 1));
    return false;
  }
}
