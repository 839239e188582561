// The QEMU driver's definition: its handshake (identity, capabilities, whether QEMU is
// installed) and the factory serveDriver() calls to configure it.
import type { Driver, DriverContext, DriverDefinition, DriverSettings, Handshake } from '../sdk/index.ts';
import { candidateAccelerators, reapOrphanProbes } from './accelerator.ts';
import { archProfiles } from './argv.ts';
import { acceleratableHostArch, findOnPath, installHint } from './host.ts';
import { QemuDriver } from './vm.ts';
import { virtiofsAvailable } from './virtiofsd.ts';
import type { MountType } from '../sdk/index.ts';

/** 9p is QEMU's own; virtiofs needs a virtiofsd this driver can run (virtiofsd.ts). */
async function mountTypes(): Promise<MountType[]> {
  return ['9p', ...(await virtiofsAvailable() ? ['virtiofs' as const] : [])];
}

export const DRIVER_VERSION = '0.1.0';

async function availability(): Promise<Handshake['available']> {
  if (process.platform === 'win32') return { ok: false, reason: 'the qemu driver cannot start VMs on Windows yet' };
  const emulator = archProfiles[acceleratableHostArch() ?? 'x86_64']?.binary ?? 'qemu-system-x86_64';
  for (const binary of [emulator, 'qemu-img']) {
    if (!(await findOnPath(binary))) return { ok: false, reason: `${binary} not found on PATH; ${installHint(binary)}` };
  }
  return { ok: true };
}

export const qemuDriver: DriverDefinition = {
  async describe() {
    return {
      name: 'qemu',
      version: DRIVER_VERSION,
      description: 'Runs VMs with QEMU: KVM, HVF or WHPX when they work on the host, TCG emulation otherwise.',
      platforms: ['linux', 'darwin', 'win32'],
      capabilities: {
        pause: true,
        snapshots: true,
        display: ['vnc'],
        console: ['serial'],
        imageFormats: ['qcow2', 'raw'],
        accelerators: candidateAccelerators(),
        ssh: true, // argv.ts: hostfwd from 127.0.0.1:sshLocalPort to the guest's port 22
        mounts: await mountTypes(),
        stats: true, // stats.ts: /proc figures of the QEMU process, QMP query-blockstats
      },
      available: await availability(),
    };
  },

  async configure(settings: DriverSettings, context: DriverContext): Promise<Driver> {
    // A driver process killed mid-probe may have left a hung probe VM behind.
    await reapOrphanProbes(settings.cacheDir);
    return new QemuDriver(settings, context);
  },
};
