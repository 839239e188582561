// Moving the download cache to another folder (often another disk) while Corral runs.
// Refused up front, changing nothing, when it cannot work: the folder is fixed by CORRAL_CACHE
// or an option, a download is in progress, the target is not empty or not writable, or lacks
// the space. Otherwise the files go into a staging folder inside the target (hard links on the
// same file system, copies across), and the switch is one atomic write of the recorded location.
// A kill before the switch leaves the old cache in use and whole; after it, the new one. The
// old folder then becomes a link to the new one, because instance disks made before the move
// name their base image by its old path (a qcow2 backing file), and this run's downloader uses
// the old path until Corral restarts. A journal in CORRAL_HOME lets the next move or start
// finish or undo an interrupted one (finishCacheMove).
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { readJsonRecordOrNothing, writeJsonRecord } from '../instances/json-record.ts';
import { recordCache, recordedCache } from './cache-location.ts';
import { humanSize } from '../instances/sizes.ts';
import { treeSize, type Tree } from './tree.ts';

export interface CacheMoveProgress {
  phase: 'copying' | 'switching' | 'done';
  bytes: number;
  total: number;
}

export interface CacheMoveRequest {
  home: string;
  /** The cache folder in use now (engine.paths.cache). */
  current: string;
  target: string;
  /** What fixed the folder at start (CORRAL_CACHE, an option), if anything: a move cannot outlast it. */
  fixedBy?: string | undefined;
  /** Why the cache is busy now (a download in this process), or undefined. */
  busy: () => string | undefined;
  onProgress?: (progress: CacheMoveProgress) => void;
}

const stagingName = '.corral-moving';
const journalSchema = z.object({ from: z.string(), to: z.string(), children: z.array(z.string()) });
const journalFile = (home: string) => path.join(home, 'cache-move.json');

/** Moves the cache; resolves with where it is now and how much moved. */
export async function moveCache(request: CacheMoveRequest): Promise<{ from: string; to: string; bytes: number }> {
  await finishCacheMove(request.home);
  const { from, to, tree } = await checkMove(request);
  const stage = path.join(to, stagingName);
  const progress = throttled(request.onProgress);
  let createdTarget = false;
  try {
    createdTarget = await ensureWritableEmpty(to);
    progress({ phase: 'copying', bytes: 0, total: tree.bytes }, true);
    await copyTree(from, stage, tree, (bytes) => progress({ phase: 'copying', bytes, total: tree.bytes }));
    progress({ phase: 'copying', bytes: tree.bytes, total: tree.bytes }, true); // the whole of it, whatever the throttle let through
    const busy = request.busy() ?? (await lockedDownloads(from));
    if (busy) throw new DriverError('BUSY', `the cache was not moved: ${busy} started meanwhile; try again once it has ended`, { reason: 'download-in-progress' });
    progress({ phase: 'switching', bytes: tree.bytes, total: tree.bytes }, true);
    const children = await fs.readdir(stage);
    await writeJsonRecord(journalFile(request.home), { from, to, children });
    for (const child of children) await fs.rename(path.join(stage, child), path.join(to, child));
    await fs.rmdir(stage);
    await recordCache(request.home, to); // the switch
  } catch (error) {
    await undoCopy(request.home, to, createdTarget);
    throw error;
  }
  await finishCacheMove(request.home);
  progress({ phase: 'done', bytes: tree.bytes, total: tree.bytes }, true);
  return { from, to, bytes: tree.bytes };
}

/** The refusals that need no change on disk; the source's real path and its files. */
async function checkMove(request: CacheMoveRequest): Promise<{ from: string; to: string; tree: Tree }> {
  if (request.fixedBy) {
    throw new DriverError('INVALID_STATE', `the cache folder is set by ${request.fixedBy}, which a move cannot change; point that at the new folder instead`, { reason: 'fixed' });
  }
  if (!path.isAbsolute(request.target)) throw new DriverError('INVALID_CONFIG', `"${request.target}" is not an absolute path; give the full path of the new folder`, { field: 'target' });
  // A cache never used yet has no folder: it moves as an empty one.
  await fs.mkdir(recordedCache(request.home) ?? request.current, { recursive: true });
  const from = await fs.realpath(recordedCache(request.home) ?? request.current);
  const to = path.resolve(request.target);
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}${path.sep}`);
  if (inside(to, from) || inside(from, to)) {
    throw new DriverError('INVALID_CONFIG', `${to} ${to === from ? 'is the cache folder already' : 'overlaps the cache folder'} (${from}); choose a folder outside it`, { field: 'target' });
  }
  const busy = request.busy() ?? (await lockedDownloads(from));
  if (busy) throw new DriverError('BUSY', `${busy}; wait for it to end or cancel it, then move the cache`, { reason: 'download-in-progress' });
  const entries = await fs.readdir(to).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(cannotWrite(to, error))));
  if (entries.some((e) => e !== stagingName)) throw new DriverError('INVALID_CONFIG', `${to} is not empty; choose an empty or new folder`, { field: 'target' });
  const tree = await treeSize(from);
  await checkSpace(from, to, tree.bytes);
  return { from, to, tree };
}

function cannotWrite(dir: string, error: NodeJS.ErrnoException): DriverError {
  return new DriverError('INVALID_CONFIG', `cannot write to ${dir} (${error.code ?? error.message}); choose a folder you can write to`, { field: 'target' });
}

/** Makes the target (and clears a staging folder a killed move left); whether it was made now. */
async function ensureWritableEmpty(to: string): Promise<boolean> {
  const existed = await fs.stat(to).then(() => true, () => false);
  try {
    await fs.mkdir(to, { recursive: true });
    await fs.rm(path.join(to, stagingName), { recursive: true, force: true });
    const probe = path.join(to, '.corral-write-test');
    await fs.writeFile(probe, '');
    await fs.rm(probe);
  } catch (error) {
    throw cannotWrite(to, error as NodeJS.ErrnoException);
  }
  return !existed;
}

/** Across file systems the target needs room for every byte (plus a little); on the same one, links need none. */
async function checkSpace(from: string, to: string, bytes: number): Promise<void> {
  let probe = to;
  while (!(await fs.stat(probe).then(() => true, () => false))) probe = path.dirname(probe);
  if ((await fs.stat(probe)).dev === (await fs.stat(from)).dev) return;
  const space = await fs.statfs(probe);
  const free = space.bavail * space.bsize;
  const needed = bytes + 16 * 1024 * 1024;
  if (free < needed) {
    throw new DriverError('INVALID_CONFIG', `not enough space at ${to}: the cache needs ${humanSize(needed)}, ${humanSize(free)} is free; free some or choose another disk`, { field: 'target', needed, free });
  }
}

/** A download another process holds the lock of (proper-lockfile keeps a live one fresh). */
async function lockedDownloads(from: string): Promise<string | undefined> {
  const locks = path.join(from, 'downloads', 'locks');
  const names = await fs.readdir(locks).catch(() => []);
  const now = Date.now();
  for (const name of names.filter((n) => n.endsWith('.lock'))) {
    const stat = await fs.stat(path.join(locks, name)).catch(() => undefined);
    if (stat && now - stat.mtimeMs < 10_000) return 'a download is in progress in another Corral process';
  }
  return undefined;
}

/** Hard links on the same file system (instant, no space), byte copies with progress across. */
async function copyTree(from: string, stage: string, tree: Tree, onBytes: (bytes: number) => void): Promise<void> {
  let done = 0;
  const sameDevice = (await fs.stat(from)).dev === (await fs.stat(path.dirname(stage))).dev;
  for (const entry of tree.entries) {
    const source = path.join(from, entry.relative);
    const target = path.join(stage, entry.relative);
    if (entry.kind === 'dir') {
      await fs.mkdir(target, { recursive: true });
    } else if (entry.kind === 'link') {
      await fs.symlink(await fs.readlink(source), target);
    } else if (sameDevice) {
      await fs.link(source, target);
      done += entry.size;
      onBytes(done);
    } else {
      const before = done;
      await copyFile(source, target, (copied) => onBytes(before + copied));
      done += entry.size;
      onBytes(done);
    }
  }
}

async function copyFile(source: string, target: string, onBytes: (copied: number) => void): Promise<void> {
  let copied = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      copied += chunk.length;
      onBytes(copied);
      callback(null, chunk);
    },
  });
  const { mode } = await fs.stat(source);
  await pipeline(createReadStream(source), count, createWriteStream(target, { flags: 'wx', mode: mode & 0o777 }));
  // On disk before the switch: a crash right after it must not find a short file.
  const handle = await fs.open(target, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes what a failed move put in the target; the old cache was never touched. */
async function undoCopy(home: string, to: string, createdTarget: boolean): Promise<void> {
  const journal = await readJsonRecordOrNothing(journalFile(home), journalSchema);
  if (recordedCache(home) === to) return; // switched already: nothing to undo
  for (const child of journal?.to === to ? journal.children : []) await fs.rm(path.join(to, child), { recursive: true, force: true });
  await fs.rm(path.join(to, stagingName), { recursive: true, force: true });
  await fs.rm(journalFile(home), { force: true });
  if (createdTarget) await fs.rmdir(to).catch(() => undefined);
}

/**
 * Ends a move a kill interrupted, from its journal: switched already, the old folder becomes
 * the link to the new one; not switched, what was put in the target goes. No journal: nothing.
 */
export async function finishCacheMove(home: string): Promise<void> {
  const journal = await readJsonRecordOrNothing(journalFile(home), journalSchema);
  if (!journal) return;
  if (recordedCache(home) !== journal.to) return undoCopy(home, journal.to, false);
  const old = await fs.lstat(journal.from).catch(() => undefined);
  if (old && !old.isSymbolicLink()) await fs.rm(journal.from, { recursive: true, force: true });
  if (!old?.isSymbolicLink()) await fs.symlink(journal.to, journal.from, 'dir').catch(() => undefined);
  await fs.rm(journalFile(home), { force: true });
}

/** At most one progress report per 100 ms, and always the ones marked `always`. */
function throttled(listener: ((p: CacheMoveProgress) => void) | undefined): (p: CacheMoveProgress, always?: boolean) => void {
  let last = 0;
  return (progress, always = false) => {
    const now = performance.now();
    if (!always && now - last < 100) return;
    last = now;
    listener?.(progress);
  };
}
