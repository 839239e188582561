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
