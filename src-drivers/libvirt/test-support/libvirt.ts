// Helpers for the libvirt driver's tests (not a test file itself): is libvirt there (a test
// fails, naming the setup script, when it is not), an in-memory engine side for streams and
// events, a reader that waits for console text, and cleanup of every domain a test made.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InstanceSpec, StreamHub } from '../../sdk/index.ts';
import type { StreamReader } from '../../sdk/test-support/fake-engine.ts';
export { fakeEngine, StreamReader, type FakeEngine } from '../../sdk/test-support/fake-engine.ts';
import { CORRAL_XML_NAMESPACE } from '../domain.ts';
import { Virsh, connectionUri } from '../virsh.ts';
import { child, parseXml } from '../xml.ts';

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


/**
 * Resolves once the guest's shell runs what is typed. A line typed while the guest still boots
 * can lose its first characters (the serial port is reset as the kernel takes it over), so a
 * console opened with no history, right after a start, asks the shell until it answers.
 */
export async function waitForShell(streams: StreamHub, id: string, reader: StreamReader, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = 100_000 + Math.floor(Math.random() * 800_000);
    const from = reader.text.length;
    streams.write(id, new TextEncoder().encode(`echo "<<$((${n}+1))>>"\n`));
    try {
      return await reader.waitFor(`<<${n + 1}>>`, from, 3_000);
    } catch (error) {
      if (reader.ended || Date.now() > deadline) throw error;
    }
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
