// Helpers for the libvirt driver's tests (not a test file itself): is libvirt there (a test
// fails, naming the setup script, when it is not), an in-memory engine side for streams and
// events, a reader that waits for console text, and cleanup of every domain a test made.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLink, StreamHub } from '../sdk/index.ts';
import type { DriverContext, DriverEvent, Frame, InstanceSpec, Link } from '../sdk/index.ts';
import { CORRAL_XML_NAMESPACE } from './domain.ts';
import { Virsh, connectionUri } from './virsh.ts';
import { child, parseXml } from './xml.ts';

/** A fresh folder under /tmp: short enough for unix socket paths. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `corral-${prefix}-`));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/**
 * Throws unless libvirt answers at the driver's URI: the tests need the real thing, which
 * .ci/run sets up (scripts/setup-libvirt.sh). A missing libvirt is a failure, not a skip.
 */
export async function requireLibvirt(): Promise<Virsh> {
  const virsh = new Virsh(connectionUri());
  try {
    await virsh.run(['uri'], { timeoutMs: 15_000 });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`the libvirt tests need a running libvirt at ${virsh.uri}, and it does not answer: ${why}\n` +
      'Set it up (as root; .ci/run does both): bash scripts/install-host-packages.sh && bash scripts/setup-libvirt.sh', { cause: error });
  }
  return virsh;
}

/** A spec for the test guest in `root` (instance folder and runtime folder inside it). */
export function guestSpec(root: string, guestDir: string, name = 'guest'): InstanceSpec {
  return {
    name,
    dir: path.join(root, name),
    runtimeDir: path.join(root, `${name}.run`),
    config: {
      vmType: 'libvirt', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 128 * 1024 ** 2, display: 'none',
      image: { path: path.join(guestDir, 'disk.raw'), format: 'raw' },
      kernel: { path: path.join(guestDir, 'vmlinuz'), cmdline: 'quiet' },
      initrd: { path: path.join(guestDir, 'initrd.img') },
    },
  };
}

/**
 * Every libvirt domain Corral made for an instance folder under `root` (read from the
 * metadata the driver writes into each domain), whatever state the test left it in.
 */
export async function domainsUnder(virsh: Virsh, root: string): Promise<string[]> {
  const uuids = (await virsh.run(['list', '--all', '--uuid'])).split('\n').map((l) => l.trim()).filter(Boolean);
  const found: string[] = [];
  for (const uuid of uuids) {
    const xml = await virsh.runOrMissing(['dumpxml', uuid]).catch(() => undefined);
    if (!xml) continue;
    const marker = child(parseXml(xml), 'metadata')?.children.find((c) => c.attributes['xmlns:corral'] === CORRAL_XML_NAMESPACE);
    const dir = marker?.attributes.dir ?? '';
    if (dir === root || dir.startsWith(`${root}/`)) found.push(uuid);
  }
  return found;
}

/** Ends and undefines every domain under `root` (a test's after hook: no VM outlives its test). */
export async function removeDomainsUnder(virsh: Virsh, root: string): Promise<void> {
  for (const uuid of await domainsUnder(virsh, root)) {
    await virsh.runOrMissing(['destroy', uuid]).catch(() => undefined);
    await virsh.runOrMissing(['undefine', uuid, '--snapshots-metadata', '--managed-save']).catch(() => undefined);
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

/**
 * Types `command` on the console and resolves with what it printed. The end marker is
 * computed by the guest's shell ($((...))), so the terminal's echo of the line never matches it.
 */
export async function runInGuest(streams: StreamHub, id: string, reader: StreamReader, command: string): Promise<string> {
  const n = 100_000 + Math.floor(Math.random() * 800_000);
  const from = reader.text.length;
  streams.write(id, new TextEncoder().encode(`${command}; echo "<<$((${n}+1))>>"\n`));
  const end = `<<${n + 1}>>`;
  await reader.waitFor(end, from);
  const endAt = reader.text.indexOf(end, from);
  // Output starts after the terminal's echo of the typed line (output still arriving from before comes ahead of it).
  const echoAt = reader.text.lastIndexOf(`<<$((${n}+1))>>`, endAt);
  const start = echoAt < 0 ? from : reader.text.indexOf('\n', echoAt) + 1;
  return reader.text.slice(start, endAt).replaceAll('\r', '');
}
