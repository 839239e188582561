// Moving one of Corral's folders (the download cache, the instances folder) to another folder,
// often another disk, while Corral runs. Refused up front, changing nothing, when it cannot
// work: the folder is fixed by an environment variable or option, it is busy, the target is
// not empty or not writable, or lacks the space. Otherwise the files go into a staging folder
// inside the target (hard links on the same file system, copies across), and the switch is one
// atomic write of the recorded location (folder-location.ts). A kill before the switch leaves
// the old folder in use and whole; after it, the new one. The old folder's contents then go
// and it becomes a link to the new one: an engine running meanwhile may still use the old path
// (the cache's, until it restarts; the instances folder's, until it sees the switch), and the
// cache's old path is named by instance disks (a qcow2 backing file). Copies keep holes
// (sparse-copy.ts). A journal in CORRAL_HOME lets the next move or start finish or undo an
// interrupted one (finishMove).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { readJsonRecordOrNothing, writeJsonRecord } from '../instances/json-record.ts';
import { humanSize } from '../instances/sizes.ts';
import { recordLocation, recordedLocation, type MovableFolder } from './folder-location.ts';
import { copySparse } from './sparse-copy.ts';
import { treeSize, type Tree } from './tree.ts';

export interface MoveProgress {
  phase: 'copying' | 'switching' | 'done';
  bytes: number;
  total: number;
}

/** What differs between the folders that move: their names in messages, what is skipped, when they are busy. */
export interface MovableKind {
  folder: MovableFolder;
  /** "the cache": the folder's name in messages. */
  noun: string;
  /** Paths below the folder that stay behind (locks belong to the process holding them). */
  skipped: ReadonlySet<string>;
  /** Why the folder cannot move now, or undefined. */
  busy: () => Promise<string | undefined>;
  /** What to do about a busy folder: "wait for it to end or cancel it, then move the cache". */
  whenBusy: string;
  /**
   * Whether a lock across processes keeps every move and finish of this folder apart: then the
   * journal is written before the copy too, so that the copy of a mover killed mid-way is
   * removed at the next start (without the lock, a start could remove a live mover's copy).
   */
  journalsCopy?: boolean;
}

export interface MoveRequest {
  home: string;
  /** The folder in use now (as the engine's paths name it). */
  current: string;
  target: string;
  /** What fixed the folder at start (an environment variable, an option), if anything: a move cannot outlast it. */
  fixedBy?: string | undefined;
  onProgress?: ((progress: MoveProgress) => void) | undefined;
  /** Ends the move before its switch (the engine closing), undoing the copy; after the switch it has no effect. */
  signal?: AbortSignal | undefined;
}

export interface MoveResult {
  from: string;
  to: string;
  bytes: number;
}

const stagingName = '.corral-moving';
/**
 * `children`: what the switch put in the target (none while copying); `createdTarget`: the move
 * made the target folder; `pid`, `host`: the mover, so that a lock a killed one left can be taken over at once.
 */
const journalSchema = z.object({
  from: z.string(), to: z.string(), children: z.array(z.string()), createdTarget: z.boolean().optional(),
  pid: z.number().optional(), host: z.string().optional(),
});
const mover = () => ({ pid: process.pid, host: os.hostname() });
const journalFile = (home: string, folder: MovableFolder) => path.join(home, `${folder}-move.json`);

/** Moves the folder up to its switch; finishMove then retires the old one. */
export async function moveFolder(kind: MovableKind, request: MoveRequest): Promise<MoveResult> {
  await finishMove(request.home, kind.folder);
  const { from, to, tree } = await checkMove(kind, request);
  const stage = path.join(to, stagingName);
  const progress = throttled(request.onProgress);
  let createdTarget = false;
  try {
    createdTarget = await ensureWritableEmpty(to);
    if (kind.journalsCopy) await writeJsonRecord(journalFile(request.home, kind.folder), { from, to, children: [], createdTarget, ...mover() });
    progress({ phase: 'copying', bytes: 0, total: tree.bytes }, true);
    await copyTree(from, stage, tree, (bytes) => progress({ phase: 'copying', bytes, total: tree.bytes }), request.signal);
    request.signal?.throwIfAborted();
    progress({ phase: 'copying', bytes: tree.bytes, total: tree.bytes }, true); // the whole of it, whatever the throttle let through
    const busy = await kind.busy();
    if (busy) throw new DriverError('BUSY', `${kind.noun} was not moved: ${busy} since the copy began; try again once it has ended`, { reason: 'busy' });
    progress({ phase: 'switching', bytes: tree.bytes, total: tree.bytes }, true);
    const children = await fs.readdir(stage);
    await writeJsonRecord(journalFile(request.home, kind.folder), { from, to, children, createdTarget, ...mover() });
    for (const child of children) await fs.rename(path.join(stage, child), path.join(to, child));
    await fs.rmdir(stage);
    await recordLocation(request.home, kind.folder, to); // the switch
  } catch (error) {
    await undoCopy(request.home, kind.folder, to, createdTarget);
    if (request.signal?.aborted) throw new DriverError('INVALID_STATE', `${kind.noun} was not moved: Corral closed during the copy; move it again`, { reason: 'closing' });
    throw error;
  }
  progress({ phase: 'done', bytes: tree.bytes, total: tree.bytes }, true);
  return { from, to, bytes: tree.bytes };
}

/** The refusals that need no change on disk; the source's real path and its files. */
async function checkMove(kind: MovableKind, request: MoveRequest): Promise<{ from: string; to: string; tree: Tree }> {
  const folderNoun = kind.folder === 'cache' ? 'the cache folder' : 'the instances folder';
  if (request.fixedBy) {
    throw new DriverError('INVALID_STATE', `${folderNoun} is set by ${request.fixedBy}, which a move cannot change; point that at the new folder instead`, { reason: 'fixed' });
  }
  if (!path.isAbsolute(request.target)) throw new DriverError('INVALID_CONFIG', `"${request.target}" is not an absolute path; give the full path of the new folder`, { field: 'target' });
  // A folder never used yet does not exist: it moves as an empty one.
  const current = recordedLocation(request.home, kind.folder) ?? request.current;
  await fs.mkdir(current, { recursive: true });
  const from = await fs.realpath(current);
  const to = path.resolve(request.target);
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}${path.sep}`);
  if (inside(to, from) || inside(from, to)) {
    throw new DriverError('INVALID_CONFIG', `${to} ${to === from ? `is ${folderNoun} already` : `overlaps ${folderNoun}`} (${from}); choose a folder outside it`, { field: 'target' });
  }
  const busy = await kind.busy();
  if (busy) throw new DriverError('BUSY', `${busy}; ${kind.whenBusy}`, { reason: 'busy' });
  const entries = await fs.readdir(to).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? [] : Promise.reject(cannotWrite(to, error))));
  if (entries.some((e) => e !== stagingName)) throw new DriverError('INVALID_CONFIG', `${to} is not empty; choose an empty or new folder`, { field: 'target' });
  const tree = await treeSize(from, kind.skipped);
  await checkSpace(kind.noun, from, to, tree.bytes);
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
async function checkSpace(noun: string, from: string, to: string, bytes: number): Promise<void> {
  let probe = to;
  while (!(await fs.stat(probe).then(() => true, () => false))) probe = path.dirname(probe);
  if ((await fs.stat(probe)).dev === (await fs.stat(from)).dev) return;
  const space = await fs.statfs(probe);
  const free = space.bavail * space.bsize;
  const needed = bytes + 16 * 1024 * 1024;
  if (free < needed) {
    throw new DriverError('INVALID_CONFIG', `not enough space at ${to}: ${noun} needs ${humanSize(needed)}, ${humanSize(free)} is free; free some or choose another disk`, { field: 'target', needed, free });
  }
}

/** Hard links on the same file system (instant, no space), sparse copies with progress across. */
async function copyTree(from: string, stage: string, tree: Tree, onBytes: (bytes: number) => void, signal: AbortSignal | undefined): Promise<void> {
  let done = 0;
  await fs.mkdir(stage, { recursive: true });
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
      const { mode } = await fs.stat(source);
      await copySparse(source, target, mode & 0o777, { onBytes: (copied) => onBytes(before + copied), signal });
      done += entry.size;
      onBytes(done);
    }
  }
}

/** Removes what a failed move put in the target; the old folder was never touched. */
async function undoCopy(home: string, folder: MovableFolder, to: string, createdTarget: boolean): Promise<void> {
  const journal = await readJsonRecordOrNothing(journalFile(home, folder), journalSchema);
  if (recordedLocation(home, folder) === to) return; // switched already: nothing to undo
  for (const child of journal?.to === to ? journal.children : []) await fs.rm(path.join(to, child), { recursive: true, force: true });
  await fs.rm(path.join(to, stagingName), { recursive: true, force: true });
  await fs.rm(journalFile(home, folder), { force: true });
  if (createdTarget) await fs.rmdir(to).catch(() => undefined);
}

/** The process that wrote the move's journal, if the journal names one. */
export async function moveJournalWriter(home: string, folder: MovableFolder): Promise<{ pid: number; host: string } | undefined> {
  const journal = await readJsonRecordOrNothing(journalFile(home, folder), journalSchema);
  return journal?.pid !== undefined && journal.host !== undefined ? { pid: journal.pid, host: journal.host } : undefined;
}

/** Whether a move left its journal (cheap: what a start checks before anything else). */
export async function moveJournalExists(home: string, folder: MovableFolder): Promise<boolean> {
  return fs.access(journalFile(home, folder)).then(() => true, () => false);
}

/**
 * Ends a move, or one a kill interrupted, from its journal: switched already, the old folder
 * becomes the link to the new one; not switched, what was put in the target goes. No journal:
 * nothing.
 */
export async function finishMove(home: string, folder: MovableFolder): Promise<void> {
  const journal = await readJsonRecordOrNothing(journalFile(home, folder), journalSchema);
  if (!journal) return;
  if (recordedLocation(home, folder) !== journal.to) return undoCopy(home, folder, journal.to, journal.createdTarget ?? false);
  const old = await fs.lstat(journal.from).catch(() => undefined);
  if (old && !old.isSymbolicLink()) await fs.rm(journal.from, { recursive: true, force: true });
  if (!old?.isSymbolicLink()) await fs.symlink(journal.to, journal.from, 'dir').catch(() => undefined);
  await fs.rm(journalFile(home, folder), { force: true });
}

/** At most one progress report per 100 ms, and always the ones marked `always`. */
function throttled(listener: ((p: MoveProgress) => void) | undefined): (p: MoveProgress, always?: boolean) => void {
  let last = 0;
  return (progress, always = false) => {
    const now = performance.now();
    if (!always && now - last < 100) return;
    last = now;
    listener?.(progress);
  };
}
