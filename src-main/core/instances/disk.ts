// Whether the instance's driver has made its disk. A Start asks the driver to create the disk
// only while this mark is missing: an instance whose image was remote at create gets its disk
// at its first start, and every later start saves the driver that round trip. The mark is a
// file in the instance folder, so it moves with a rename and goes with a delete; a clone
// lacks it and makes one at its first start (a driver's create keeps a disk it finds).
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic.ts';

const markFile = (instanceDir: string) => path.join(instanceDir, 'disk-created');

export async function diskCreated(instanceDir: string): Promise<boolean> {
  return fs.access(markFile(instanceDir)).then(() => true, () => false);
}

export async function markDiskCreated(instanceDir: string): Promise<void> {
  await writeFileAtomic(markFile(instanceDir), `${new Date().toISOString()}\n`);
}
