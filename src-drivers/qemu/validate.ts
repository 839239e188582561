// Whether this driver can run a spec, checked before anything is made. Errors name the field
// in Lima's lima.yaml terms, since that is the file the user edits.
import { stat } from 'node:fs/promises';
import { checkMemory, checkSocketPaths, invalid, readable } from '../sdk/index.ts';
import type { InstanceSpec } from '../sdk/index.ts';
import { archProfiles } from './argv.ts';
import { requireBinary } from './host.ts';
import { instancePaths, virtiofsSocket } from './paths.ts';
import { virtiofsAvailable } from './virtiofsd.ts';

/** Checks the config, the files it names and the host binaries; throws the first problem found. */
export async function validateSpec(spec: InstanceSpec): Promise<void> {
  const { config } = spec;
  const profile = archProfiles[config.arch];
  if (!profile) {
    throw invalid('arch', `the qemu driver cannot run ${config.arch} guests (supported: ${Object.keys(archProfiles).join(', ')})`);
  }
  if (config.arch !== 'x86_64' && !config.kernel) {
    // Disk boot on these machines needs UEFI firmware (edk2), which the driver does not wire up yet.
    throw invalid('images[0].kernel', `booting ${config.arch} guests from a disk image is not supported yet; use an image with a kernel and initrd`);
  }
  if (config.display === 'vnc' && config.arch !== 'x86_64') {
    // The VNC display shows a standard VGA card, which only the x86 machine has; the virt machines need virtio-gpu, not wired up yet.
    throw invalid('video.display', `display "vnc" is supported for x86_64 guests only so far; use "none" for ${config.arch} (the serial console works)`);
  }
  checkMemory(config.memoryBytes);
  const paths = instancePaths(spec);
  checkSocketPaths([paths.qmpSocket, paths.serialSocket, ...(config.mounts ?? []).filter((m) => m.type === 'virtiofs').map((m) => virtiofsSocket(paths, m.tag))]);
  await validateMounts(config.mounts ?? []);
  if (config.image) await readable('images[0].location', config.image.path, 'image');
  if (config.kernel) await readable('images[0].kernel.location', config.kernel.path, 'kernel');
  if (config.initrd) await readable('images[0].initrd.location', config.initrd.path, 'initrd');
  await requireBinary(profile.binary);
  await requireBinary('qemu-img');
}

/** Each shared folder exists as a folder, and virtiofs has a daemon to serve it. */
async function validateMounts(mounts: NonNullable<InstanceSpec['config']['mounts']>): Promise<void> {
  if (mounts.some((m) => m.type === 'virtiofs') && !(await virtiofsAvailable())) {
    throw invalid('mountType', 'virtiofs needs virtiofsd (Debian: qemu-system-common) and the driver running as root here; use mountType 9p');
  }
  for (const [index, mount] of mounts.entries()) {
    const found = await stat(mount.hostPath).catch(() => undefined);
    if (!found?.isDirectory()) throw invalid(`mounts[${index}].location`, `${mount.hostPath} is not a folder on this host; create it or fix the path`);
  }
}
