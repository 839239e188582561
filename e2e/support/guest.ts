// The tiny test guest: built from Debian packages by e2e/fixtures/test-guest/build.sh (cached
// outside git), and a lima.yaml that boots it. It prints CORRAL-GUEST-READY on its serial
// console, then runs a shell there.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './temp.ts';

export const readyMarker = 'CORRAL-GUEST-READY';

let built: Promise<string> | undefined;

/** Builds the guest once per process; resolves to the folder with vmlinuz, initrd.img, disk.raw. */
export function testGuest(): Promise<string> {
  built ??= promisify(execFile)('bash', [path.join(repoRoot, 'e2e/fixtures/test-guest/build.sh')]).then(({ stdout }) => stdout.trim());
  return built;
}

/** The committed template of the test guest (e2e/fixtures/test-guest/guest.yaml), as build.sh places it beside the guest's files. */
export async function guestTemplate(): Promise<string> {
  return path.join(await testGuest(), 'guest.yaml');
}

/**
 * A lima.yaml for the test guest, written by code: for tests that vary it (extra fields, files served over http). `base` locates its files (a folder, or an http URL prefix);
 * containerd is off unless `extra` turns it on, since Lima's default would fetch nerdctl.
 */
export async function writeGuestTemplate(dir: string, extra: Record<string, unknown> = {}, base?: string): Promise<string> {
  const from = base ?? (await testGuest());
  const at = (file: string) => (from.startsWith('http') ? `${from}/${file}` : path.join(from, file));
  const yaml = [
    'vmType: qemu',
    'cpus: 1',
    'memory: 256MiB',
    'disk: 1GiB',
    'images:',
    `  - location: ${at('disk.raw')}`,
    '    kernel:',
    `      location: ${at('vmlinuz')}`,
    '      cmdline: console=ttyS0 quiet',
    '    initrd:',
    `      location: ${at('initrd.img')}`,
    ...Object.entries({ containerd: { system: false, user: false }, ...extra }).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
  ].join('\n');
  const file = path.join(dir, 'guest.yaml');
  await fs.writeFile(file, `${yaml}\n`);
  return file;
}

/** Collects console text and resolves when a pattern shows up in what arrived after `from`. */
export class ConsoleText {
  text = '';
  readonly #waiters = new Set<() => void>();

  push(bytes: Uint8Array | string): void {
    this.text += typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
    for (const waiter of this.#waiters) waiter();
  }

  /** Waits for `pattern` in the text after offset `from`; rejects after `timeoutMs` with what arrived. */
  waitFor(pattern: RegExp | string, from = 0, timeoutMs = 60_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const rest = this.text.slice(from);
        const index = typeof pattern === 'string' ? rest.indexOf(pattern) : rest.search(pattern);
        if (index < 0) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(from + index);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`console never showed ${String(pattern)}; it showed:\n${this.text.slice(-2000)}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}
