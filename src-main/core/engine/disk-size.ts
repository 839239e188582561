// A Start makes the instance's disk when none was made yet, and applies a disk size changed by
// editing lima.yaml by hand: as in Lima, a larger size grows the disk at the next start. A
// smaller one cannot apply (shrinking would cut off the guest's data), so that start is refused
// with what to write instead; nothing is changed. The app's Edit… grows the disk at once
// (reshape.ts) and records the size, so a Start finds nothing left to do.
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { InstanceSpec } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';
import { markDisk, readDiskMark } from '../instances/disk.ts';
import { formatSize } from '../instances/sizes.ts';

/** The disk's size for this start, and why it is not lima.yaml's when it cannot be. */
export interface PreparedDisk {
  diskBytes: number;
  warning?: string;
}

/**
 * Creates the disk if it is missing, or grows it when lima.yaml asks for more than the size last
 * applied. Warns when this driver cannot resize disks.
 */
export async function prepareDisk(host: DriverHost, spec: InstanceSpec, name: string): Promise<PreparedDisk> {
  const wanted = spec.config.diskBytes;
  const mark = await readDiskMark(spec.dir);
  if (mark.state === 'absent') {
    await host.call('create', spec);
  } else if (mark.state === 'sized') {
    if (wanted === mark.bytes) return { diskBytes: wanted }; // every start but the first and those after a hand edit: no driver round trip
    if (wanted < mark.bytes) {
      throw new DriverError('INVALID_CONFIG', `"${name}" cannot start: its lima.yaml asks for a ${formatSize(wanted)} disk, but the disk is ${formatSize(mark.bytes)} and cannot shrink (that would cut off the guest's data); set disk: in lima.yaml to ${formatSize(mark.bytes)} or more`, { field: 'disk' });
    }
    const refusal = await grow(host, spec, mark.bytes);
    if (refusal) return { diskBytes: mark.bytes, warning: refusal };
  }
  // A mark from before marks held sizes: the file's size is taken as the one applied, as it was then.
  await markDisk(spec.dir, wanted);
  return { diskBytes: wanted };
}

/** Asks the driver to grow the disk to the spec's size; a warning when it cannot resize at all. */
async function grow(host: DriverHost, spec: InstanceSpec, applied: number): Promise<string | undefined> {
  try {
    await host.call('resizeDisk', spec);
    return undefined;
  } catch (error) {
    const failure = toDriverError(error);
    if (failure.code === 'UNSUPPORTED') {
      return `driver ${host.name} cannot resize disks: lima.yaml's disk of ${formatSize(spec.config.diskBytes)} is not applied, it stays ${formatSize(applied)}`;
    }
    // Already larger: an overlay is made at least as large as its base image, which can exceed the size asked for.
    const current = failure.details.currentBytes;
    if (failure.code === 'INVALID_CONFIG' && typeof current === 'number' && current >= spec.config.diskBytes) return undefined;
    throw failure;
  }
}
