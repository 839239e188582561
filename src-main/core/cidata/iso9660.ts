// Writes a flat ISO 9660 image (what a NoCloud cidata disk is) with Rock Ridge and Joliet
// names, as `genisoimage -J -R` would: level-1 names (8.3, upper case) cannot carry
// "user-data", so the real names travel in Rock Ridge NM entries (Linux's isofs, xorriso) and
// in a Joliet tree (readers without Rock Ridge). File contents are streamed from disk, so a
// nerdctl archive of hundreds of MiB never sits in memory.
//
// Written here rather than taken from npm: no npm package writes ISO 9660 with Rock Ridge or
// Joliet (the registry has readers and wrappers that spawn mkisofs), and spawning genisoimage
// or xorriso would make them runtime dependencies of the app on every host OS.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import {
  SECTOR, directoryRecord, erEntry, nmEntry, pxEntry, rootPathTable, rrEntry, spEntry, terminator, ucs2, volumeDescriptor,
} from './iso9660-records.ts';

export interface IsoEntry {
  /** The file's name in the image's root folder, exactly as the guest will see it. */
  name: string;
  /** The bytes, or a file to stream them from. */
  data: Uint8Array | { path: string };
  /** POSIX permission bits in Rock Ridge; default 0o444. */
  mode?: number;
}

export interface IsoOptions {
  /** The volume identifier: what blkid reports as LABEL (NoCloud looks for "cidata"). */
  volumeLabel: string;
  /** Timestamp of the volume and its files; default now. A fixed one makes the image reproducible. */
  date?: Date;
  /** fsync before the rename (default); an image rewritten before every boot needs none (atomic.ts). */
  durable?: boolean;
}

/** Names that every tree (level 1 via NM, Joliet's 64 UCS-2 characters) can carry unchanged. */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$/;
const labelPattern = /^[A-Za-z0-9_-]{1,16}$/; // Joliet holds 16 characters of label
/** ISO 9660 sizes are 32-bit; bigger files need multi-extent records, which nothing here needs. */
const maxFileSize = 0xffff_ffff;

// Fixed layout: system area, three descriptors, four one-sector path tables, then directories.
const PVD = 16;
const SVD = 17;
const TERMINATOR = 18;
const PATH_TABLES = { primaryL: 19, primaryM: 20, jolietL: 21, jolietM: 22 };
const FIRST_DIRECTORY = 23;
/**
 * Zero sectors after the last file, counted in the volume, as genisoimage and xorriso add by
 * default (300 KiB): readers that fetch a fixed window past the superblocks fail on an image
 * smaller than that (busybox findfs reads 68 KiB; a bare cidata is ~56 KiB), and Linux's CD-ROM
 * read-ahead can hit the end of a short disc. The sectors are holes: they take no disk space.
 */
const PADDING_SECTORS = 150;

interface Placed {
  entry: IsoEntry;
  size: number;
  extent: number;
  level1: string;
}

/** Writes the image to `file` atomically (temp file in the same folder, fsync unless not `durable`, rename). */
export async function writeIso9660(file: string, entries: readonly IsoEntry[], options: IsoOptions): Promise<void> {
  check(entries, options);
  const date = options.date ?? new Date();
  const sizes = await Promise.all(entries.map(sizeOf));
  const level1 = level1Names(entries.map((e) => e.name));

  // Record lengths do not depend on extents: lay the directories out once to learn their size.
  const unplaced = entries.map((entry, i) => ({ entry, size: sizes[i] ?? 0, extent: 0, level1: level1[i] ?? '' }));
  const primarySectors = packSectors(primaryRecords(unplaced, 0, 0, date)).length / SECTOR;
  const jolietSectors = packSectors(jolietRecords(unplaced, 0, 0, date)).length / SECTOR;
  const primaryRoot = FIRST_DIRECTORY;
  const jolietRoot = primaryRoot + primarySectors;
  let next = jolietRoot + jolietSectors;
  const placed: Placed[] = unplaced.map((p) => {
    // An empty file takes no sector: with size 0 its extent is never read, so 0 will do.
    const extent = p.size === 0 ? 0 : next;
    next += Math.ceil(p.size / SECTOR);
    return { ...p, extent };
  });
  const volumeSectors = next + PADDING_SECTORS;

  const primaryDir = packSectors(primaryRecords(placed, primaryRoot, primarySectors, date));
  const jolietDir = packSectors(jolietRecords(placed, jolietRoot, jolietSectors, date));
  const head = Buffer.alloc((jolietRoot + jolietSectors) * SECTOR);
  const volume = { volumeSectors, pathTableSize: 10, label: options.volumeLabel, date };
  volumeDescriptor({
    ...volume, type: 1, charset: 'ascii', pathTableL: PATH_TABLES.primaryL, pathTableM: PATH_TABLES.primaryM,
    rootRecord: dotRecord(primaryRoot, primarySectors, date),
  }).copy(head, PVD * SECTOR);
  volumeDescriptor({
    ...volume, type: 2, charset: 'ucs2', pathTableL: PATH_TABLES.jolietL, pathTableM: PATH_TABLES.jolietM,
    rootRecord: dotRecord(jolietRoot, jolietSectors, date),
  }).copy(head, SVD * SECTOR);
  terminator().copy(head, TERMINATOR * SECTOR);
  rootPathTable(primaryRoot, 'L').copy(head, PATH_TABLES.primaryL * SECTOR);
  rootPathTable(primaryRoot, 'M').copy(head, PATH_TABLES.primaryM * SECTOR);
  rootPathTable(jolietRoot, 'L').copy(head, PATH_TABLES.jolietL * SECTOR);
  rootPathTable(jolietRoot, 'M').copy(head, PATH_TABLES.jolietM * SECTOR);
  primaryDir.copy(head, primaryRoot * SECTOR);
  jolietDir.copy(head, jolietRoot * SECTOR);

  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', 0o644);
  try {
    await handle.write(head, 0, head.length, 0);
    for (const p of placed) await writeContent(handle, p);
    // Sizes the image to whole sectors; the unwritten tails of file sectors are holes that read as zeros.
    await handle.truncate(volumeSectors * SECTOR);
    if (options.durable !== false) await handle.sync();
    await handle.close();
    await fs.rename(temp, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw error;
  }
}

function check(entries: readonly IsoEntry[], options: IsoOptions): void {
  if (!labelPattern.test(options.volumeLabel)) {
    throw new DriverError('INVALID_CONFIG', `invalid volume label "${options.volumeLabel}": use 1 to 16 letters, digits, "-" or "_"`, { field: 'volumeLabel' });
  }
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (!namePattern.test(name)) {
      throw new DriverError('INVALID_CONFIG', `invalid file name "${name}" for an ISO image: use up to 60 letters, digits, ".", "-" and "_"`, { field: 'name', name });
    }
    if (seen.has(name)) throw new DriverError('INVALID_CONFIG', `the file name "${name}" appears twice`, { field: 'name', name });
    seen.add(name);
  }
}

async function sizeOf(entry: IsoEntry): Promise<number> {
  if (entry.data instanceof Uint8Array) return entry.data.length;
  const source = entry.data.path;
  const stat = await fs.stat(source).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw new DriverError('NOT_FOUND', `cannot put ${entry.name} in the image: ${source} does not exist`, { path: source });
    throw error;
  });
  if (!stat.isFile()) throw new DriverError('INVALID_CONFIG', `cannot put ${entry.name} in the image: ${source} is not a file`, { path: source });
  if (stat.size > maxFileSize) {
    throw new DriverError('INVALID_CONFIG', `${source} is ${stat.size} bytes: ISO 9660 files stop at 4 GiB`, { path: source });
  }
  return stat.size;
}

async function writeContent(handle: fs.FileHandle, p: Placed): Promise<void> {
  const start = p.extent * SECTOR;
  const { data } = p.entry;
  if (data instanceof Uint8Array) {
    if (data.length > 0) await handle.write(data, 0, data.length, start);
    return;
  }
  // One reused buffer: memory stays flat whatever the archive's size.
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  const source = await fs.open(data.path, 'r');
  let written = 0;
  try {
    for (;;) {
      // One byte more than expected is asked for, to notice a file that grew since its size was read.
      const { bytesRead } = await source.read(buffer, 0, Math.min(buffer.length, p.size - written + 1), written);
      if (bytesRead === 0 || written + bytesRead > p.size) {
        written += bytesRead;
        break;
      }
      await handle.write(buffer, 0, bytesRead, start + written);
      written += bytesRead;
    }
  } finally {
    await source.close();
  }
  // The directory records already hold the size read earlier: the copy must match it.
  if (written !== p.size) {
    throw new DriverError('INVALID_STATE', `${data.path} changed while it was copied into the image (expected ${p.size} bytes)`, { path: data.path });
  }
}

/**
 * Unique ISO 9660 level-1 identifiers ("USER_DAT.;1"): 8 upper-case d-characters, a dot, up to
 * 3 more, and the version. Only readers that ignore both extensions see these.
 */
export function level1Names(names: readonly string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    const clean = (s: string) => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    const dot = name.lastIndexOf('.');
    const stem = clean(dot > 0 ? name.slice(0, dot) : name).slice(0, 8);
    const ext = dot > 0 ? clean(name.slice(dot + 1)).slice(0, 3) : '';
    let candidate = `${stem}.${ext};1`;
    for (let n = 1; used.has(candidate); n++) candidate = `${stem.slice(0, 8 - String(n).length)}${n}.${ext};1`;
    used.add(candidate);
    return candidate;
  });
}

/** The root's "." record as the volume descriptor holds it: 34 bytes, no System Use. */
function dotRecord(extent: number, sectors: number, date: Date): Buffer {
  return directoryRecord({ identifier: Buffer.from([0]), extent, size: sectors * SECTOR, directory: true, date });
}

function primaryRecords(files: readonly Placed[], rootExtent: number, rootSectors: number, date: Date): Buffer[] {
  const dir = { extent: rootExtent, size: rootSectors * SECTOR, directory: true, date };
  const dirPx = pxEntry(0o040555, 2);
  // SP and ER in the root's "." record switch Rock Ridge on for the whole volume.
  const dot = directoryRecord({ ...dir, identifier: Buffer.from([0]), systemUse: Buffer.concat([spEntry(), rrEntry({ px: true }), dirPx, erEntry()]) });
  const dotdot = directoryRecord({ ...dir, identifier: Buffer.from([1]), systemUse: Buffer.concat([rrEntry({ px: true }), dirPx]) });
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.level1, 'latin1'), Buffer.from(b.level1, 'latin1')));
  return [dot, dotdot, ...sorted.map((f) => directoryRecord({
    identifier: Buffer.from(f.level1, 'latin1'), extent: f.extent, size: f.size, directory: false, date,
    systemUse: Buffer.concat([rrEntry({ px: true, nm: true }), pxEntry(0o100000 | (f.entry.mode ?? 0o444), 1), nmEntry(f.entry.name)]),
  }))];
}

function jolietRecords(files: readonly Placed[], rootExtent: number, rootSectors: number, date: Date): Buffer[] {
  const dir = { extent: rootExtent, size: rootSectors * SECTOR, directory: true, date };
  const named = files.map((f) => ({ f, id: ucs2(`${f.entry.name};1`) })).sort((a, b) => Buffer.compare(a.id, b.id));
  return [
    directoryRecord({ ...dir, identifier: Buffer.from([0]) }),
    directoryRecord({ ...dir, identifier: Buffer.from([1]) }),
    ...named.map(({ f, id }) => directoryRecord({ identifier: id, extent: f.extent, size: f.size, directory: false, date })),
  ];
}

/** Lays records into whole sectors: a record never crosses a sector boundary (ECMA-119 6.8.1.1). */
function packSectors(records: readonly Buffer[]): Buffer {
  const sectors: Buffer[] = [Buffer.alloc(SECTOR)];
  let used = 0;
  for (const record of records) {
    if (used + record.length > SECTOR) {
      sectors.push(Buffer.alloc(SECTOR));
      used = 0;
    }
    record.copy(sectors[sectors.length - 1] as Buffer, used);
    used += record.length;
  }
  return Buffer.concat(sectors);
}
