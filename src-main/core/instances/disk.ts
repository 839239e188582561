// Whether the instance's driver has made its disk, and the size from lima.yaml last applied to
// it. A Start asks the driver to create the disk only while this mark is missing: an instance
// whose image was remote at create gets its disk at its first start, and every later start saves
// the driver that round trip. The size lets a Start see that lima.yaml now asks for another (an
// edit by hand) without asking the driver each time. The mark is a file in the instance folder,
// so it moves with a rename and goes with a delete; a clone gets a copy with the source's disk,
// so its first start grows that disk as the source's would.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod/mini';
import { readJsonRecord, writeJsonRecord } from './json-record.ts';

const markFile = (instanceDir: string) => path.join(instanceDir, 'disk-created');
const markSchema = z.object({ bytes: z.number().check(z.positive()) });

/**
 * The size lima.yaml asked for when the disk was last made or grown (the disk itself can be
 * larger: one made over a larger base image is); `unknown` for a disk made before marks held
 * sizes (they held a date), or a mark damaged since; `absent` when no disk was made yet.
 */
export type DiskMark = { state: 'absent' } | { state: 'unknown' } | { state: 'sized'; bytes: number };

export async function readDiskMark(instanceDir: string): Promise<DiskMark> {
  const record = await readJsonRecord(markFile(instanceDir), markSchema);
  if (record.state === 'absent') return record;
  return record.state === 'valid' ? { state: 'sized', bytes: record.value.bytes } : { state: 'unknown' };
}

/** Records that the disk exists with lima.yaml's `bytes` applied (after a create or a resize). */
export async function markDisk(instanceDir: string, bytes: number): Promise<void> {
  await writeJsonRecord(markFile(instanceDir), { bytes });
}

/** Gives a clone's folder (`toDir`) the source's mark, if its disk was made: the disk came with it. */
export async function copyDiskMark(fromDir: string, toDir: string): Promise<void> {
  await fs.copyFile(markFile(fromDir), markFile(toDir)).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  });
}
