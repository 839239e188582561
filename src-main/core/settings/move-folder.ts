// Moving one of Corral's folders (the download cache, the instances folder) to another folder,
// often another disk, while Corral runs. Refused up front, changing nothing, when it cannot
// work: the folder is fixed by an environment variable or option, it is busy, the target is
// not empty or not writable, or lacks the space. Otherwise the files go into a staging folder
// inside the target (hard links on the same file system, copies across), and the switch is one
// atomic write of the recorded location (folder-location.ts). A kill before the switch leaves
// the old folder in use and whole; after it, the new one. The old folder's contents then go
// and it becomes a link to the new one: this run's engine keeps its paths until it restarts,
// and the cache's old path is named by instance disks (a qcow2 backing file). A journal in
// CORRAL_HOME lets the next move or start finish or undo an interrupted one (finishMove).
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { readJsonRecordOrNothing, writeJsonRecord } from '../instances/json-record.ts';
import { humanSize } from '../instances/sizes.ts';
import { recordLocation, recordedLocation, type MovableFolder } from './folder-location.ts';
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
}

export interface MoveRequest {
  home: string;
  /** The folder in use now (as the engine's paths name it). */
  current: string;
  target: string;
  /** What fixed the folder at start (an environment variable, an option), if anything: a move cannot outlast it. */
  fixedBy?: string | undefined;
  onProgress?: ((progress: MoveProgress) => void) | undefined;
}

export interface MoveResult {
  from: string;
  to: string;
  bytes: number;
}

const stagingName = '.corral-moving';
const journalSchema = z.object({ from: z.string(), to: z.string(), children: z.array(z.string()) });
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
    progress({ phase: 'copying', bytes: 0, total: tree.bytes }, true);
    await copyTree(from, stage, tree, (bytes) => progress({ phase: 'copying', bytes, total: tree.bytes }));
    progress({ phase: 'copying', bytes: tree.bytes, total: tree.bytes }, true); // the whole of it, whatever the throttle let through
    const busy = await kind.busy();
    if (busy) throw new DriverError('BUSY', `${kind.noun} was not moved: ${busy} since the copy began; try again once it has ended`, { reason: 'busy' });
    progress({ phase: 'switching', bytes: tree.bytes, total: tree.bytes }, true);
    const children = await fs.readdir(stage);
    await writeJsonRecord(journalFile(request.home, kind.folder), { from, to, children });
    for (const child of children) await fs.rename(path.join(stage, child), path.join(to, child));
    await fs.rmdir(stage);
    await recordLocation(request.home, kind.folder, to); // the switch
  } catch (error) {
    await undoCopy(request.home, kind.folder, to, createdTarget);
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

/** Hard links on the same file system (instant, no space), byte copies with progress across. */
async function copyTree(from: string, stage: string, tree: Tree, onBytes: (bytes: number) => void): Promise<void> {
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

/** Removes what a failed move put in the target; the old folder was never touched. */
async function undoCopy(home: string, folder: MovableFolder, to: string, createdTarget: boolean): Promise<void> {
  const journal = await readJsonRecordOrNothing(journalFile(home, folder), journalSchema);
  if (recordedLocation(home, folder) === to) return; // switched already: nothing to undo
  for (const child of journal?.to === to ? journal.children : []) await fs.rm(path.join(to, child), { recursive: true, force: true });
  await fs.rm(path.join(to, stagingName), { recursive: true, force: true });
  await fs.rm(journalFile(home, folder), { force: true });
  if (createdTarget) await fs.rmdir(to).catch(() => undefined);
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
  if (recordedLocation(home, folder) !== journal.to) return undoCopy(home, folder, journal.to, false);
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
