// The instance's disk, made by libvirt's storage driver (so this driver runs no qemu-img of
// its own, and a remote libvirt makes the disk on its own host): a transient `dir` pool over
// the instance folder lives just for the one volume call and is destroyed after it (which
// leaves the folder and its files alone). The disk is a qcow2 overlay on the read-only base
// image, or a blank qcow2 when the config has no image.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { DriverError, exists, formatBytes } from '../sdk/index.ts';
import type { InstanceSpec } from '../sdk/index.ts';
import type { Owner } from './domain.ts';
import type { InstancePaths } from './paths.ts';
import { imageFacts } from './qcow2.ts';
import { DOCUMENT } from './virsh.ts';
import type { Virsh } from './virsh.ts';
import { build, el } from './xml.ts';

/** One pool name per folder: a pool a killed driver left behind is found (and replaced) by the next call. */
export function poolName(dir: string): string {
  return `corral-pool-${createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16)}`;
}

/** Runs `use` with a transient dir pool over `dir`, destroying the pool afterwards whatever happens. */
async function withPool<T>(virsh: Virsh, dir: string, use: (pool: string) => Promise<T>): Promise<T> {
  const pool = poolName(dir);
  // A pool left by a driver that was killed mid-call (transient pools vanish when destroyed).
  await virsh.runOrMissing(['pool-destroy', pool]).catch(() => undefined);
  const xml = build(el('pool', { type: 'dir' }, el('name', {}, pool), el('target', {}, el('path', {}, path.resolve(dir)))));
  await virsh.run(['pool-create', DOCUMENT], { document: xml });
  try {
    return await use(pool);
  } finally {
    await virsh.runOrMissing(['pool-destroy', pool]).catch(() => undefined);
  }
}

function permissions(owner: Owner) {
  if (owner === 'libvirt-default') return el('permissions', {}, el('mode', {}, '0600'));
  return el('permissions', {}, el('owner', {}, String(owner.uid)), el('group', {}, String(owner.gid)), el('mode', {}, '0600'));
}

/** Checks the base image and returns its format and size; refuses images that point at other files. */
export async function baseImage(spec: InstanceSpec): Promise<{ path: string; format: 'qcow2' | 'raw'; virtualSize: number } | undefined> {
  const image = spec.config.image;
  if (!image) return undefined;
  const field = 'images[0].location';
  const facts = await imageFacts(image.path);
  if (image.format && image.format !== facts.format) {
    throw new DriverError('INVALID_CONFIG', `${image.path} is a ${facts.format} image, but the config says ${image.format}`, { field });
  }
  // A downloaded qcow2 that points at other files could make the guest read host files.
  if (facts.backingFile !== undefined || facts.externalDataFile) {
    throw new DriverError('INVALID_CONFIG', `${image.path} refers to other files (${facts.backingFile ?? 'an external data file'}); refusing it: a base image must be self-contained`, { field });
  }
  return { path: image.path, format: facts.format, virtualSize: facts.virtualSize };
}

/** Creates paths.disk unless it exists. */
export async function createDisk(virsh: Virsh, spec: InstanceSpec, paths: InstancePaths, owner: Owner): Promise<void> {
  if (await exists(paths.disk)) return;
  const base = await baseImage(spec);
  // The overlay cannot be smaller than its base: a disk size below the image's is raised to it.
  const capacity = Math.max(spec.config.diskBytes, base?.virtualSize ?? 0);
  const volume = el('volume', {},
    el('name', {}, path.basename(paths.disk)),
    el('capacity', { unit: 'bytes' }, String(capacity)),
    el('target', {}, el('format', { type: 'qcow2' }), el('compat', {}, '1.1'), permissions(owner)),
    base && el('backingStore', {}, el('path', {}, base.path), el('format', { type: base.format })));
  await withPool(virsh, paths.dir, async (pool) => {
    await virsh.run(['vol-create', pool, DOCUMENT], { document: build(volume) });
  });
}

/**
 * Refuses to start from a disk that is no longer a qcow2 (replaced or damaged outside Corral).
 * libvirt would start QEMU, which then fails on it; and when QEMU exits that fast, libvirt
 * often reports only its lost monitor ("Connection refused"), not QEMU's reason.
 */
export async function checkDisk(spec: InstanceSpec, paths: InstancePaths): Promise<void> {
  const { format } = await imageFacts(paths.disk);
  if (format === 'qcow2') return;
  throw new DriverError('VM_FAILED',
    `the disk of ${spec.name} (${paths.disk}) is not in qcow2 format: something outside Corral replaced or damaged it. Put the disk back from a copy, or delete the instance and create it again`,
    { instance: spec.name });
}

/** Grows the disk to `bytes` (libvirt runs qemu-img resize); refuses to shrink it. */
export async function growDisk(virsh: Virsh, paths: InstancePaths, bytes: number): Promise<void> {
  const { virtualSize } = await imageFacts(paths.disk);
  if (bytes === virtualSize) return;
  if (bytes < virtualSize) {
    throw new DriverError('INVALID_CONFIG',
      `the disk is ${formatBytes(virtualSize)}; it can grow but not shrink to ${formatBytes(bytes)} (shrinking would cut off the guest's data)`,
      { field: 'disk', currentBytes: virtualSize, requestedBytes: bytes });
  }
  await withPool(virsh, paths.dir, async (pool) => {
    await virsh.run(['vol-resize', '--pool', pool, path.basename(paths.disk), String(bytes)]);
  });
}
