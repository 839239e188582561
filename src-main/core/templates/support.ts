// What Corral can run at all. A template for a guest Corral's drivers cannot boot is refused
// with a message naming the feature, rather than loaded and failing later at start.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { YamlMap } from './values.ts';

/** vmTypes the built-in drivers handle. */
export const builtinVmTypes: readonly string[] = ['qemu'];

// Lima's hypervisors that no Corral driver provides. Without the caller's list of installed
// drivers only these are refused: any other vmType may be a driver bundle, which the engine
// checks when it picks the driver.
const foreignVmTypes: readonly string[] = ['vz', 'wsl2', 'krunkit'];

// Why each guest OS is or is not runnable, in the words the user will read.
const osRefusals: Record<string, string> = {
  Darwin: 'macOS guests need Apple\'s Virtualization.framework (vmType vz on a Mac), which Corral\'s drivers do not provide',
  Windows: 'Windows guests need Lima\'s Windows support (install media, virtio-win drivers, a TPM), which Corral does not have yet',
};

function refuse(feature: string, field: string, why: string, source: string): never {
  throw new DriverError('INVALID_CONFIG', `${source}: ${feature} is not supported${why}`, { field, feature });
}

/**
 * Throws when the merged template needs something Corral cannot run. `vmTypes`: the installed
 * drivers, when the caller knows them.
 */
export function assertRunnable(document: YamlMap, source: string, vmTypes: readonly string[] | undefined): void {
  const vmType = document.vmType;
  if (typeof vmType === 'string' && (vmTypes ? !vmTypes.includes(vmType) : foreignVmTypes.includes(vmType))) {
    refuse(`vmType ${vmType}`, 'vmType', ` by Corral's drivers (${(vmTypes ?? builtinVmTypes).join(', ')})`, source);
  }
  const guest = document.os;
  if (typeof guest === 'string') {
    const reason = osRefusals[guest];
    if (reason) refuse(`os ${guest}`, 'os', `: ${reason}`, source);
    if (guest !== 'Linux' && guest !== 'FreeBSD') refuse(`os ${guest}`, 'os', ': Corral runs Linux and FreeBSD guests', source);
  }
}

/** Warnings about what loads but is only partly supported. */
export function runnableWarnings(document: YamlMap, source: string): string[] {
  const warnings: string[] = [];
  // FreeBSD boots under QEMU like any disk image, but Lima's guest set-up (containerd, mounts)
  // is Linux-only, so the guest gets only what its own cloud-init does.
  if (document.os === 'FreeBSD') warnings.push(`${source}: os FreeBSD is experimental: the image boots under QEMU, but Linux-only guest set-up does not apply`);
  const display = document.video && typeof document.video === 'object' ? (document.video as YamlMap).display : undefined;
  if (typeof display === 'string' && !['none', 'vnc', 'default'].includes(display)) {
    warnings.push(`${source}: field "video.display": "${display}" is not supported by Corral; it shows "vnc" or "none"`);
  }
  return warnings;
}
