// Files on a remote libvirt host, which shares no file system with this one: every file a
// domain opens (kernel, initrd, base image, cidata, the disk overlay) is a volume in a
// persistent `dir` pool of Corral's own there, put there through libvirt itself
// (`vol-create-as` + `vol-upload`, over the same connection as everything else).
//
// Uploaded files are named by their content's SHA-256 (`sha256-<hex>`), so a second instance
// from the same template uploads nothing. Who uses such a volume is kept on the remote side
// too, as empty marker volumes `sha256-<hex>.user-<domain uuid>`: a marker is made only after
// an upload finished, so a shared volume without any marker is a partial upload (a driver
// killed mid-way) and is replaced; releasing an instance removes its markers and then every
// shared volume that has none left, so nothing another instance still uses goes.
//
// Two creates that need the same new file at once (in one driver process or in two, on one
// machine or two) upload it once: making the volume is the claim (libvirt refuses a second
// volume of that name), and whoever finds it claimed waits until the uploader's marker
// appears. A claimed volume whose allocation stops growing for a minute, with no marker, was
// left by an uploader that died: it is removed and claimed again.
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { DriverError } from '../../sdk/index.ts';
import type { ChildProcess } from 'node:child_process';
import type { Virsh } from '../virsh.ts';

export const POOL = 'corral';
/** Where the pool keeps its files on the remote host (libvirt's usual place for images). */
export const POOL_PATH = '/var/lib/libvirt/corral';
const MARKER = '.user-';
/** vol-upload of a big image over a slow link: an hour before virsh is ended. */
const UPLOAD_TIMEOUT_MS = 60 * 60_000;
/** How often a create waiting for another's upload looks again. */
const WAIT_POLL_MS = 2000;
/** An upload whose volume has not grown for this long, with no marker, was abandoned. */
const STALLED_MS = 60_000;

/** Makes (once) and starts Corral's pool on the remote host. */
export async function ensurePool(virsh: Virsh): Promise<void> {
  const info = await virsh.runOrMissing(['pool-info', POOL]);
  if (info === undefined) {
    await virsh.run(['pool-define-as', POOL, 'dir', '--target', POOL_PATH]);
    await virsh.run(['pool-build', POOL]);
    await virsh.run(['pool-autostart', POOL]);
  }
  if (info !== undefined && /^State:\s+inactive/m.test(info)) {
    // Defined, but its folder may have gone (a host reinstalled, /var/lib cleaned): make it again.
    await virsh.run(['pool-build', POOL]);
    await virsh.run(['pool-start', POOL]);
  } else if (info === undefined) {
    await virsh.run(['pool-start', POOL]);
  }
}

/** The names of the pool's volumes (refreshed first: another driver may have added some). */
export async function volumeNames(virsh: Virsh): Promise<string[]> {
  await virsh.run(['pool-refresh', POOL]);
  const out = await virsh.run(['vol-list', POOL]);
  return out.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((name) => name && name !== 'Name' && !/^-+$/.test(name));
}

/** The pool's folder on the remote host (a volume's path is this folder and its name). */
export async function poolFolder(virsh: Virsh): Promise<string> {
  const xml = await virsh.run(['pool-dumpxml', POOL]);
  const target = /<target>\s*<path>([^<]+)<\/path>/.exec(xml)?.[1];
  if (!target) throw new DriverError('VM_FAILED', `libvirt reports no folder for the storage pool ${POOL} at ${virsh.uri}`);
  return target;
}

/** SHA-256 of a local file, streamed. */
export async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface UploadProgress {
  (file: string, doneBytes: number, totalBytes: number): void;
}

/**
 * The name of `file`'s content in the pool, uploading it unless it is there already (or
 * waiting for another create that is uploading it), and marks `user` (a domain UUID) as one
 * of its users. `names` is the pool's volumes (every ssh round trip costs a login, so the
 * caller lists them once); it is kept up to date here.
 */
export async function sharedVolume(virsh: Virsh, names: string[], file: string, user: string, progress?: UploadProgress, note?: (message: string) => void): Promise<{ name: string; uploaded: boolean }> {
  const name = `sha256-${await fileDigest(file)}`;
  let uploaded = false;
  if (!names.some((n) => n.startsWith(`${name}${MARKER}`))) {
    uploaded = await uploadOnce(virsh, file, name, names.includes(name), progress, note);
    if (!names.includes(name)) names.push(name);
  }
  const marker = `${name}${MARKER}${user}`;
  if (!names.includes(marker)) {
    await virsh.run(['vol-create-as', POOL, marker, '0', '--format', 'raw']);
    names.push(marker);
  }
  return { name, uploaded };
}

/** Uploads `file` as `name` unless another create is doing so; true if this one uploaded it. */
async function uploadOnce(virsh: Virsh, file: string, name: string, claimed: boolean, progress?: UploadProgress, note?: (message: string) => void): Promise<boolean> {
  const { size } = await stat(file);
  for (let taken = claimed; ;) {
    if (!taken && await claim(virsh, name, size)) {
      await upload(virsh, file, name, size, progress);
      return true;
    }
    note?.(`another create is uploading ${name.slice(0, 19)}… to this host: waiting for it`);
    const outcome = await otherUpload(virsh, name);
    if (outcome === 'complete') return false;
    // Its uploader failed (and removed it) or died (the volume stalled): claim it again.
    if (outcome === 'stalled') await virsh.runOrMissing(['vol-delete', '--pool', POOL, name]);
    taken = false;
  }
}

/** Makes the volume: false if it exists already (another create claimed it). */
async function claim(virsh: Virsh, name: string, size: number): Promise<boolean> {
  try {
    await virsh.run(['vol-create-as', POOL, name, String(size), '--format', 'raw']);
    return true;
  } catch (error) {
    const text = error instanceof DriverError ? `${error.message} ${String(error.details?.libvirt ?? '')}` : String(error);
    if (/exists already|already exists|File exists/i.test(text)) return false;
    throw error;
  }
}

/** Waits on another create's upload of `name`: it finished (a marker), went away, or stalled. */
async function otherUpload(virsh: Virsh, name: string): Promise<'complete' | 'gone' | 'stalled'> {
  let allocation: string | undefined;
  let grewAt = Date.now();
  for (;;) {
    await delay(WAIT_POLL_MS);
    const names = await volumeNames(virsh);
    if (names.some((n) => n.startsWith(`${name}${MARKER}`))) return 'complete';
    if (!names.includes(name)) return 'gone';
    const info = await virsh.runOrMissing(['vol-info', '--bytes', '--pool', POOL, name]);
    const now = /^Allocation:\s+(\d+)/m.exec(info ?? '')?.[1];
    if (now !== allocation) {
      allocation = now;
      grewAt = Date.now();
    } else if (Date.now() - grewAt > STALLED_MS) {
      return 'stalled';
    }
  }
}

async function upload(virsh: Virsh, file: string, name: string, size: number, progress?: UploadProgress): Promise<void> {
  try {
    progress?.(file, 0, size);
    await virsh.run(['vol-upload', '--sparse', '--pool', POOL, name, file], {
      timeoutMs: UPLOAD_TIMEOUT_MS,
      ...(progress ? { onSpawn: (child: ChildProcess) => watchUpload(child, file, size, progress) } : {}),
    });
    progress?.(file, size, size);
  } catch (error) {
    await virsh.runOrMissing(['vol-delete', '--pool', POOL, name]).catch(() => undefined);
    throw error;
  }
}

/** How far virsh has read `file`: its read offset, from /proc (virsh prints no progress). */
function watchUpload(child: ChildProcess, file: string, size: number, progress: UploadProgress): void {
  const timer = setInterval(() => {
    const at = readOffset(child.pid, file);
    if (at !== undefined) progress(file, at, size);
  }, 1000);
  timer.unref();
  child.once('close', () => clearInterval(timer));
}

function readOffset(pid: number | undefined, file: string): number | undefined {
  if (pid === undefined) return undefined;
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== file) continue;
      const pos = /^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (pos) return Number(pos[1]);
    }
  } catch {
    // virsh has ended, or /proc is not ours to read: no figure this time
  }
  return undefined;
}

/** The instance's own qcow2 overlay (or blank disk) in the pool, named by its domain UUID. */
export function diskVolumeName(uuid: string): string {
  return `corral-${uuid}-disk.qcow2`;
}

/**
 * Removes what an instance has in the pool: its disk, its user markers, and every shared
 * volume it used that no other instance uses now.
 */
export async function releaseVolumes(virsh: Virsh, uuid: string): Promise<string[]> {
  const names = await volumeNames(virsh);
  const removed: string[] = [];
  const remove = async (name: string) => {
    await virsh.runOrMissing(['vol-delete', '--pool', POOL, name]);
    removed.push(name);
  };
  if (names.includes(diskVolumeName(uuid))) await remove(diskVolumeName(uuid));
  const mine = names.filter((n) => n.endsWith(`${MARKER}${uuid}`));
  for (const marker of mine) await remove(marker);
  for (const marker of mine) {
    const shared = marker.slice(0, marker.indexOf(MARKER));
    const others = names.some((n) => n.startsWith(`${shared}${MARKER}`) && !mine.includes(n));
    if (!others && names.includes(shared)) await remove(shared);
  }
  return removed;
}
