// Helpers for the QEMU driver's tests (not a test file itself): temp folders, the test guest,
// bare QEMU processes, an in-memory engine side for streams, and cleanup by pid.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLink, StreamHub } from '../sdk/index.ts';
import type { DriverContext, DriverEvent, Frame, InstanceSpec, Link } from '../sdk/index.ts';
import { readPidFile, sendSignal, waitForExit } from './process.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A fresh folder under /tmp: short enough for unix socket paths. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `corral-${prefix}-`));
}

export interface TestGuest {
  kernel: string;
  initrd: string;
  disk: string;
}

/** Builds (or finds cached) the test guest of e2e/fixtures/test-guest. */
export function buildTestGuest(): Promise<TestGuest> {
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(repoRoot, 'e2e/fixtures/test-guest/build.sh')], { timeout: 300_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`test guest build failed: ${stderr || error.message}`));
      const dir = stdout.trim().split('\n').at(-1) ?? '';
      resolve({ kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img'), disk: path.join(dir, 'disk.raw') });
    });
  });
}

/** A spec for the test guest in `root` (instance folder and runtime folder inside it). */
export function guestSpec(root: string, guest: TestGuest, name = 'guest'): InstanceSpec {
  return {
    name,
    dir: path.join(root, name),
    runtimeDir: path.join(root, `${name}.run`),
    config: {
      vmType: 'qemu', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 128 * 1024 ** 2, display: 'none',
      image: { path: guest.disk, format: 'raw' },
      kernel: { path: guest.kernel, cmdline: 'quiet' },
      initrd: { path: guest.initrd },
    },
  };
}

/** Kills the QEMU of every pid file given (a test's after hook: no VM outlives its test). */
export async function killFromPidFiles(...pidFiles: string[]): Promise<void> {
  for (const file of pidFiles) {
    const pid = await readPidFile(file);
    if (pid === undefined) continue;
    sendSignal(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
}

/** Two ends of an in-memory link, delivering asynchronously like a real pipe. */
function linkPair(): [Link, Link] {
  const sides: Array<Set<(raw: unknown) => void>> = [new Set(), new Set()];
  const make = (mine: number): Link => createLink(
    (frame: Frame) => { for (const deliver of sides[1 - mine] ?? []) queueMicrotask(() => deliver(frame)); },
    (deliver) => { sides[mine]?.add(deliver); return () => sides[mine]?.delete(deliver); },
  );
  return [make(0), make(1)];
}

/** The engine side of a driver under test: its StreamHub and the events the driver pushed. */
export interface FakeEngine {
  context: DriverContext;
  streams: StreamHub;
  events: DriverEvent[];
  /** Resolves with the first event (already pushed or future) that matches. */
  nextEvent(match: (event: DriverEvent) => boolean): Promise<DriverEvent>;
}

export function fakeEngine(): FakeEngine {
  const [driverSide, engineSide] = linkPair();
  const events: DriverEvent[] = [];
  const waiters = new Set<{ match: (e: DriverEvent) => boolean; resolve: (e: DriverEvent) => void }>();
  const context: DriverContext = {
    streams: new StreamHub(driverSide),
    emit(event) {
      events.push(event);
      for (const waiter of waiters) if (waiter.match(event)) { waiters.delete(waiter); waiter.resolve(event); }
    },
  };
  return {
    context,
    streams: new StreamHub(engineSide),
    events,
    nextEvent(match) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ match, resolve }));
    },
  };
}

/** Collects what arrives on a stream and resolves when the text contains `needle`. */
export class StreamReader {
  text = '';
  ended = false;
  readonly #waiters = new Set<() => void>();

  constructor(streams: StreamHub, id: string) {
    streams.listen(id, {
      data: (bytes) => { this.text += Buffer.from(bytes).toString('utf8'); this.#wake(); },
      end: () => { this.ended = true; this.#wake(); },
    });
  }

  /**
   * Waits until the collected text (from `from` on) matches; rejects when the stream ends or
   * after `timeoutMs`, showing the last output so a hung guest is diagnosable from the log.
   */
  async waitFor(needle: string | RegExp, from = 0, timeoutMs = 120_000): Promise<void> {
    const found = () => typeof needle === 'string' ? this.text.indexOf(needle, from) >= 0 : needle.test(this.text.slice(from));
    const deadline = performance.now() + timeoutMs;
    while (!found()) {
      if (this.ended) throw new Error(`stream ended before ${String(needle)} appeared; got: ${this.text.slice(-500)}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${String(needle)} did not appear in ${timeoutMs / 1000} s; the last output was: ${JSON.stringify(this.text.slice(-800))}`);
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Resolves once the other side has ended the stream. */
  async untilEnded(): Promise<void> {
    while (!this.ended) await new Promise<void>((resolve) => this.#waiters.add(resolve));
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/**
 * The test guest's serial shell on an open console stream: run() types a command and resolves
 * with what it printed. The end marker is computed by the guest's shell ($((...))), so the
 * terminal's echo of the typed line never matches it.
 */
export class GuestShell {
  readonly reader: StreamReader;
  readonly #streams: StreamHub;
  readonly #id: string;
  #count = 0;

  constructor(streams: StreamHub, id: string) {
    this.#streams = streams;
    this.#id = id;
    this.reader = new StreamReader(streams, id);
  }

  async run(command: string): Promise<string> {
    const n = 100_000 + ++this.#count;
    const from = this.reader.text.length;
    this.#streams.write(this.#id, new TextEncoder().encode(`${command}; echo "<<$((${n}+1))>>"\n`));
    const end = `<<${n + 1}>>`;
    await this.reader.waitFor(end, from);
    const text = this.reader.text.slice(from, this.reader.text.indexOf(end, from));
    // Drop the echoed command line.
    return text.slice(text.indexOf('\n') + 1).replaceAll('\r', '');
  }
}
