// Whether this driver can run a spec, checked before anything is made. Errors name the field
// in Lima's lima.yaml terms, since that is the file the user edits.
import { DriverError, checkMemory, checkSocketPaths, invalid, readable } from '../sdk/index.ts';
import type { InstanceSpec } from '../sdk/index.ts';
import { archProfiles } from './domain.ts';
import type { DomainType } from './domain.ts';
import { instancePaths } from './paths.ts';
import type { Virsh } from './virsh.ts';

export interface ValidateOptions {
  virsh: Virsh;
  type: DomainType;
  /** Check the files on this host (false for a remote libvirt: they must exist over there). */
  localFiles: boolean;
}

/**
 * Why capabilities.ssh is false. libvirt forwards a port to a user-mode NIC only through the
 * passt backend (<backend type='passt'/> with <portForward>, libvirt 9.0+), which needs the
 * passt program; the SLIRP backend this driver uses (it needs nothing else) cannot.
 */
export const noSshReason = 'libvirt forwards ports to a user-mode network only with the passt backend, which this driver does not use; use the qemu driver for SSH, or the serial console';

/** Checks the config, the files it names and what libvirt can emulate; throws the first problem found. */
export async function validateSpec(spec: InstanceSpec, options: ValidateOptions): Promise<void> {
  const { config } = spec;
  const profile = archProfiles[config.arch];
  if (!profile) {
    throw invalid('arch', `the libvirt driver cannot run ${config.arch} guests (supported: ${Object.keys(archProfiles).join(', ')})`);
  }
  if (!profile.pcLike && !config.kernel) {
    throw invalid('images[0].kernel', `booting ${config.arch} guests from a disk image is not supported yet (it needs UEFI firmware); use an image with a kernel and initrd`);
  }
  if (config.display === 'vnc' && !profile.pcLike) {
    throw invalid('video.display', `display "vnc" is supported for x86_64 guests only so far; use "none" for ${config.arch} (the serial console works)`);
  }
  if (config.network?.sshLocalPort !== undefined) {
    throw new DriverError('UNSUPPORTED', `the libvirt driver cannot forward 127.0.0.1:${config.network.sshLocalPort} to the guest's SSH port: ${noSshReason}`, { capability: 'ssh', field: 'ssh.localPort' });
  }
  checkMemory(config.memoryBytes);
  checkSocketPaths([instancePaths(spec).serialSocket]);
  if (options.localFiles) {
    if (config.image) await readable('images[0].location', config.image.path, 'image');
    if (config.kernel) await readable('images[0].kernel.location', config.kernel.path, 'kernel');
    if (config.initrd) await readable('images[0].initrd.location', config.initrd.path, 'initrd');
    if (config.cidata) await readable('cidata', config.cidata.path, 'cidata seed disk');
  }
  // Can this libvirt emulate the arch and machine at all (is the qemu-system binary installed)?
  try {
    await options.virsh.run(['domcapabilities', '--virttype', options.type, '--arch', config.arch, '--machine', profile.machine]);
  } catch (error) {
    if (error instanceof DriverError && error.code === 'VM_FAILED') {
      throw invalid('arch', `libvirt at ${options.virsh.uri} cannot run ${config.arch} guests with domain type ${options.type} (${String(error.details.libvirt ?? error.message)}); on Debian/Ubuntu install the matching qemu-system package`);
    }
    throw error;
  }
}
