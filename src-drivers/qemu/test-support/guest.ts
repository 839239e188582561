// Helpers for the QEMU driver's tests (not a test file itself): temp folders, the test guest,
// bare QEMU processes, an in-memory engine side for streams, and cleanup by pid.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InstanceSpec, StreamHub } from '../../sdk/index.ts';
import { StreamReader } from '../../sdk/test-support/fake-engine.ts';
export { fakeEngine, StreamReader, type FakeEngine } from '../../sdk/test-support/fake-engine.ts';
import { readPidFile, sendSignal, waitForExit } from '../process.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

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
