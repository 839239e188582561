// The guest architecture that matches this host's CPU, in the names templates and QEMU use.
// The engine needs it (a template's default arch) and so do drivers (what they can accelerate).
import type { InstanceSpec } from './protocol.ts';

export type GuestArch = InstanceSpec['config']['arch'];

const guestArchByNodeArch: Partial<Record<string, GuestArch>> = {
  x64: 'x86_64', arm64: 'aarch64', riscv64: 'riscv64', arm: 'armv7l', s390x: 's390x', ppc64: 'ppc64le',
};

/** The guest arch named by Node's `process.arch` value, or undefined where none matches (ia32, mips, ...). */
export function guestArchOf(nodeArch: string): GuestArch | undefined {
  return guestArchByNodeArch[nodeArch];
}

/** This host's guest arch; x86_64 where Node's name for it matches none. */
export function hostArch(): GuestArch {
  return guestArchOf(process.arch) ?? 'x86_64';
}
