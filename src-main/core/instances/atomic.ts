// Crash-safe file writes: temp file in the same folder, fsync, rename over the target. A record
// that is rewritten before every use, or that means nothing once its writer is gone (a lock, a
// start in progress), skips the fsync (`durable: false`): it is still whole or absent to every
// reader, as the rename is atomic; only a crash of the host itself may lose it, and such a crash
// ends the VM and the writer that the record was about. Each fsync costs 1 to 15 ms here, on the
// path before QEMU starts.
import fs from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** fsync before the rename (default): the new content survives a crash of the host. */
  durable?: boolean;
}

/** Temp names written by this process so far: with the pid, unique among live writers. */
let tempCount = 0;

/**
 * A temp name no other live writer uses (pid and count), with a random tail against a leftover
 * of a dead process that had the same pid ('wx' refuses an existing file, it never overwrites).
 * Not node:crypto: loading it costs 20 to 30 ms of CPU, and the host agent, which starts beside
 * a booting guest, would load it only for this.
 */
function tempName(file: string): string {
  tempCount += 1;
  const tail = Math.floor(Math.random() * 2 ** 32).toString(16);
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${tempCount}-${tail}.tmp`);
}

export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644, options: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempName(file);
  const handle = await fs.open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    if (options.durable !== false) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
