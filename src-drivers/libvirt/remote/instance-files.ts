// An instance's files on a remote libvirt host: made by create() (uploads by digest, the disk
// overlay on the remote copy of the base image), recorded in the instance folder as remote
// paths only (create() runs in a staging folder whose path must not be recorded), read back by
// every later call, and released by delete().
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DriverError, formatBytes, toDriverError } from '../../sdk/index.ts';
import type { DriverContext, InstanceSpec, TransferFile } from '../../sdk/index.ts';
import { baseImage } from '../storage.ts';
import { DOCUMENT } from '../virsh.ts';
import type { Virsh } from '../virsh.ts';
import { build, el } from '../xml.ts';
import { POOL, diskVolumeName, ensurePool, poolFolder, releaseVolumes, sharedVolume, volumeNames } from './volumes.ts';
import type { UploadProgress } from './volumes.ts';

/** Remote paths of the files a domain opens, in place of the spec's local ones. */
export interface RemoteFiles {
  disk: string;
  kernel?: string;
  initrd?: string;
  cidata?: string;
}

export const recordFile = (dir: string) => path.join(dir, 'libvirt-remote.json');

export async function readRemoteFiles(dir: string): Promise<RemoteFiles | undefined> {
  let text: string;
  try {
    text = await readFile(recordFile(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Record<string, unknown>;
  const field = (key: string) => (typeof value[key] === 'string' ? { [key]: value[key] } : {});
  if (typeof value.disk !== 'string') throw new DriverError('INVALID_STATE', `${recordFile(dir)} names no remote disk; delete the instance and create it again`);
  return { disk: value.disk, ...field('kernel'), ...field('initrd'), ...field('cidata') };
}

/** Upload progress as driver log lines, one per tenth of each file (and its end). */
function progressLogger(context: DriverContext, spec: InstanceSpec, host: string): UploadProgress {
  const lastTenth = new Map<string, number>();
  return (file, done, total) => {
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    if (lastTenth.get(file) === tenth) return;
    lastTenth.set(file, tenth);
    context.emit({ type: 'log', level: 'info', message: `${spec.name}: uploading ${path.basename(file)} to ${host}: ${tenth * 10} % of ${formatBytes(total)}` });
  };
}

/**
 * Uploads what the remote host lacks and makes the instance's disk there (an overlay on the
 * remote copy of the image, unless `makeDisk` makes it another way); writes the record.
 */
export async function createRemoteFiles(virsh: Virsh, spec: InstanceSpec, uuid: string, context: DriverContext, makeDisk?: (name: string) => Promise<void>): Promise<RemoteFiles> {
  const existing = await readRemoteFiles(spec.dir);
  if (existing) return existing;
  await ensurePool(virsh);
  const host = new URL(virsh.uri).host;
  const logged = progressLogger(context, spec, host);
  const base = await baseImage(spec);
  const folder = await poolFolder(virsh);
  const names = await volumeNames(virsh);
  const note = (message: string) => context.emit({ type: 'log', level: 'info', message: `${spec.name}: ${message}` });
  const shared = async (kind: TransferFile, file: string | undefined) => {
    if (!file) return undefined;
    // Reported through the SDK too, so the downloads view and `corral start` show the upload.
    const reporter = context.progress({ instance: spec.name, file: kind, path: file, to: host });
    let started = false;
    const progress: UploadProgress = (name, done, total) => {
      started = true;
      logged(name, done, total);
      reporter.update(done, total);
    };
    try {
      const volume = await sharedVolume(virsh, names, file, uuid, progress, note);
      if (started) reporter.done();
      return path.posix.join(folder, volume.name);
    } catch (error) {
      if (started) reporter.failed(toDriverError(error).message);
      throw error;
    }
  };
  const kernel = await shared('kernel', spec.config.kernel?.path);
  const initrd = await shared('initrd', spec.config.initrd?.path);
  const cidata = await shared('cidata', spec.config.cidata?.path);
  const image = await shared('image', base?.path);
  const diskName = diskVolumeName(uuid);
  if (!names.includes(diskName) && makeDisk) {
    await makeDisk(diskName);
  } else if (!names.includes(diskName)) {
    // The overlay cannot be smaller than its base: a disk size below the image's is raised to it.
    const capacity = Math.max(spec.config.diskBytes, base?.virtualSize ?? 0);
    const volume = el('volume', {},
      el('name', {}, diskName),
      el('capacity', { unit: 'bytes' }, String(capacity)),
      el('target', {}, el('format', { type: 'qcow2' }), el('compat', {}, '1.1'), el('permissions', {}, el('mode', {}, '0600'))),
      base && image && el('backingStore', {}, el('path', {}, image), el('format', { type: base.format })));
    await virsh.run(['vol-create', POOL, DOCUMENT], { document: build(volume) });
  }
  const files: RemoteFiles = {
    disk: path.posix.join(folder, diskName),
    ...(kernel ? { kernel } : {}),
    ...(initrd ? { initrd } : {}),
    ...(cidata ? { cidata } : {}),
  };
  const temp = `${recordFile(spec.dir)}.tmp`;
  await writeFile(temp, `${JSON.stringify(files)}\n`);
  await rename(temp, recordFile(spec.dir));
  return files;
}

/**
 * The clone's files on the remote host: its own copy of the source's disk (`vol-clone`, on
 * the host, nothing crosses the link), and the shared files its spec names (the same digests:
 * nothing is uploaded, the clone is marked as one more user; its own cidata, if new, goes up).
 */
export async function cloneRemoteFiles(virsh: Virsh, sourceUuid: string, target: InstanceSpec, targetUuid: string, context: DriverContext): Promise<void> {
  await createRemoteFiles(virsh, target, targetUuid, context, async (name) => {
    await virsh.run(['vol-clone', '--pool', POOL, diskVolumeName(sourceUuid), name], { timeoutMs: 60 * 60_000 });
  });
}

/** Removes the instance's volumes (and shared ones nobody else uses) and its record. */
export async function deleteRemoteFiles(virsh: Virsh, dir: string, uuid: string): Promise<void> {
  await releaseVolumes(virsh, uuid);
  await rm(recordFile(dir), { force: true });
  await rm(`${recordFile(dir)}.tmp`, { force: true });
}

/** Grows the remote disk to `bytes`; refuses to shrink it. */
export async function growRemoteDisk(virsh: Virsh, uuid: string, bytes: number): Promise<void> {
  const info = await virsh.run(['vol-info', '--bytes', '--pool', POOL, diskVolumeName(uuid)]);
  const capacity = Number(/^Capacity:\s+(\d+)/m.exec(info)?.[1]);
  if (bytes === capacity) return;
  if (bytes < capacity) {
    throw new DriverError('INVALID_CONFIG', `the disk is ${formatBytes(capacity)}; it can grow but not shrink to ${formatBytes(bytes)} (shrinking would cut off the guest's data)`, { field: 'disk', currentBytes: capacity, requestedBytes: bytes });
  }
  await virsh.run(['vol-resize', '--pool', POOL, diskVolumeName(uuid), String(bytes)]);
}
