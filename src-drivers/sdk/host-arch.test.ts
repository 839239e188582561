// The host's guest arch, shared by the engine (a template's default arch) and the drivers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { guestArchOf, hostArch } from './host-arch.ts';

describe('host arch', () => {
  it('names each CPU Node reports the way templates and QEMU do', () => {
    assert.deepEqual(['x64', 'arm64', 'riscv64', 'arm', 's390x', 'ppc64'].map(guestArchOf), ['x86_64', 'aarch64', 'riscv64', 'armv7l', 's390x', 'ppc64le']);
    assert.equal(guestArchOf('ia32'), undefined);
  });

  it('gives this machine its own arch', () => {
    assert.equal(hostArch(), guestArchOf(process.arch) ?? 'x86_64');
    // These build machines are x86-64: the arch a template without one gets here.
    if (process.arch === 'x64') assert.equal(hostArch(), 'x86_64');
  });
});
