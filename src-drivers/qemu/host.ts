// Facts about the host the driver runs on: which QEMU binaries exist, how to install missing
// ones, and a small helper to run the QEMU tools with errors that say what went wrong.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { DriverError, guestArchOf } from '../sdk/index.ts';
import type { GuestArch } from '../sdk/index.ts';

/** Debian package names, for install hints (other platforms: the "qemu" package of the usual package manager). */
const debianPackages: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-system-aarch64': 'qemu-system-arm',
  'qemu-system-riscv64': 'qemu-system-misc',
  'qemu-img': 'qemu-utils',
};

export function installHint(binary: string): string {
  if (process.platform === 'darwin') return 'install it with Homebrew: brew install qemu';
  if (process.platform === 'win32') return 'install QEMU for Windows (https://www.qemu.org/download/#windows) and add it to PATH';
  const pkg = debianPackages[binary] ?? 'qemu-system';
  return `install it (Debian/Ubuntu: apt-get install ${pkg === 'qemu-utils' ? pkg : `${pkg} qemu-utils`})`;
}

// The host arches QEMU has a hardware accelerator for (KVM, HVF, WHPX); on any other host every
// guest runs under TCG, so there is no "native" arch to accelerate.
const acceleratable: ReadonlySet<GuestArch> = new Set(['x86_64', 'aarch64', 'riscv64']);

/** This host's guest arch if QEMU can accelerate guests of it, else undefined (TCG only). */
export function acceleratableHostArch(nodeArch: string = process.arch): GuestArch | undefined {
  const arch = guestArchOf(nodeArch);
  return arch && acceleratable.has(arch) ? arch : undefined;
}

/** Looks `name` up on PATH at call time (PATH may change between calls, e.g. in tests). */
export async function findOnPath(name: string): Promise<string | undefined> {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here: keep looking
      }
    }
  }
  return undefined;
}

/** Like findOnPath, but throws MISSING_BINARY with an install hint. */
export async function requireBinary(name: string): Promise<string> {
  const found = await findOnPath(name);
  if (!found) throw new DriverError('MISSING_BINARY', `${name} not found on PATH; ${installHint(name)}`, { binary: name });
  return found;
}

/** Runs a QEMU tool to completion and returns its stdout; a failure becomes VM_FAILED with the tool's stderr. */
export function runTool(file: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const why = stderr.trim() || error.message;
      reject(new DriverError('VM_FAILED', `${path.basename(file)} ${args.join(' ')} failed: ${why}`, { binary: file }));
    });
  });
}
