// The instance's disk: a qcow2 overlay on the (read-only, shared) base image the engine
// downloaded, or a blank qcow2 when the config has no image. Made with qemu-img.
import { constants } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import * as z from 'zod';
import { DriverError, exists, formatBytes } from '../sdk/index.ts';
import type { InstanceSpec } from '../sdk/index.ts';
import { runTool } from './host.ts';
import type { InstancePaths } from './paths.ts';

const infoSchema = z.object({
  format: z.string(),
  'virtual-size': z.number(),
  'backing-filename': z.string().optional(),
  'format-specific': z.object({ data: z.object({ 'data-file': z.string().optional() }).loose().optional() }).loose().optional(),
}).loose();

export interface ImageInfo {
  format: string;
  virtualSize: number;
  /** Files outside the image that QEMU would open with it (backing file, qcow2 data file). */
  externalFiles: string[];
}

/** `qemu-img info` of a file; -U so it works while a running VM has the image open. */
export async function imageInfo(qemuImg: string, file: string): Promise<ImageInfo> {
  const out = await runTool(qemuImg, ['info', '-U', '--output=json', file]);
  const parsed = infoSchema.safeParse(JSON.parse(out));
  if (!parsed.success) throw new DriverError('INTERNAL', `unexpected qemu-img info output for ${file}: ${parsed.error.message}`);
  const info = parsed.data;
  const dataFile = info['format-specific']?.data?.['data-file'];
  return {
    format: info.format,
    virtualSize: info['virtual-size'],
    externalFiles: [info['backing-filename'], dataFile].filter((f): f is string => f !== undefined),
  };
}

/** Creates paths.disk unless it exists. The file appears whole or not at all (temp + rename). */
export async function createDisk(qemuImg: string, spec: InstanceSpec, paths: InstancePaths): Promise<void> {
  if (await exists(paths.disk)) return;
  const temp = `${paths.disk}.tmp`;
  await rm(temp, { force: true });
  const { image, diskBytes } = spec.config;
  const args = ['create', '-q', '-f', 'qcow2'];
  if (image) {
    const info = await imageInfo(qemuImg, image.path);
    const format = image.format ?? info.format;
    checkBaseImage(image.path, format, info);
    // The overlay cannot be smaller than its base: a disk size below the image's is raised to it.
    args.push('-F', format, '-b', image.path, temp, String(Math.max(diskBytes, info.virtualSize)));
  } else {
    args.push(temp, String(diskBytes));
  }
  try {
    await runTool(qemuImg, args);
    await rename(temp, paths.disk);
  } finally {
    await rm(temp, { force: true });
  }
}

function checkBaseImage(file: string, format: string, info: ImageInfo): void {
  const field = 'images[0].location';
  if (format !== 'qcow2' && format !== 'raw') {
    throw new DriverError('INVALID_CONFIG', `${file} is a ${format} image; the qemu driver boots qcow2 or raw images (convert it with qemu-img convert -O qcow2)`, { field });
  }
  if (format !== info.format) {
    throw new DriverError('INVALID_CONFIG', `${file} is a ${info.format} image, but the config says ${format}`, { field });
  }
  // A downloaded qcow2 that points at other files could make the guest read host files.
  if (info.externalFiles.length > 0) {
    throw new DriverError('INVALID_CONFIG', `${file} refers to other files (${info.externalFiles.join(', ')}); refusing it: a base image must be self-contained`, { field });
  }
}

/**
 * Copies a stopped instance's disk to `target`: the whole qcow2 overlay, so the copy keeps
 * the source's changes, its internal snapshots and its backing file (the shared, read-only
 * base image), and the two disks are independent from then on. A reflink where the file
 * system has them (instant, no space used), a byte copy elsewhere. Temp + rename, like create.
 */
export async function cloneDisk(source: InstancePaths, target: InstancePaths): Promise<void> {
  const temp = `${target.disk}.tmp`;
  try {
    await copyFile(source.disk, temp, constants.COPYFILE_FICLONE);
    await rename(temp, target.disk);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Grows the disk to `bytes` with qemu-img resize; refuses to shrink it (data would be cut off). */
export async function growDisk(qemuImg: string, paths: InstancePaths, bytes: number): Promise<void> {
  const { virtualSize } = await imageInfo(qemuImg, paths.disk);
  if (bytes === virtualSize) return;
  if (bytes < virtualSize) {
    throw new DriverError('INVALID_CONFIG',
      `the disk is ${formatBytes(virtualSize)}; it can grow but not shrink to ${formatBytes(bytes)} (shrinking would cut off the guest's data)`,
      { field: 'disk', currentBytes: virtualSize, requestedBytes: bytes });
  }
  await runTool(qemuImg, ['resize', '-q', '-f', 'qcow2', paths.disk, String(bytes)]);
}
