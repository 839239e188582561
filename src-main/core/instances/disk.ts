// Whether the instance's driver has made its disk, and at what size. A Start asks the driver to
// create the disk only while this mark is missing: an instance whose image was remote at create
// gets its disk at its first start, and every later start saves the driver that round trip. The
// size lets a Start see that lima.yaml now asks for another (an edit by hand) without asking the
// driver each time. The mark is a file in the instance folder, so it moves with a rename and goes
// with a delete; a clone lacks it and makes one at its first start (a driver's create keeps a
// disk it finds).
import path from 'node:path';
import * as z from 'zod/mini';
import { readJsonRecord, writeJsonRecord } from './json-record.ts';

const markFile = (instanceDir: string) => path.join(instanceDir, 'disk-created');
const markSchema = z.object({ bytes: z.number().check(z.positive()) });

/**
 * The disk's size as last made or grown by the driver; `unknown` for a disk made before marks
 * held sizes (they held a date), or a mark damaged since; `absent` when no disk was made yet.
 */
export type DiskMark = { state: 'absent' } | { state: 'unknown' } | { state: 'sized'; bytes: number };

export async function readDiskMark(instanceDir: string): Promise<DiskMark> {
  const record = await readJsonRecord(markFile(instanceDir), markSchema);
  if (record.state === 'absent') return record;
  return record.state === 'valid' ? { state: 'sized', bytes: record.value.bytes } : { state: 'unknown' };
}

/** Records that the disk exists at `bytes` (after a create, a clone's copy, or a resize). */
export async function markDisk(instanceDir: string, bytes: number): Promise<void> {
  await writeJsonRecord(markFile(instanceDir), { bytes });
}
