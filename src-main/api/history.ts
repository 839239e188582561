// Console history: what the guest printed before a console was attached. The QEMU driver
// keeps every serial byte in the instance's serial.log (QEMU's chardev logfile); a page
// that reloads replays its tail so the console looks as it did.
import fs from 'node:fs/promises';

/** At most this much history is replayed: enough for a screenful or two of boot output. */
export const historyLimit = 64 * 1024;

/** The last `limit` bytes of `file`, or nothing when the file does not exist (yet). */
export async function readHistory(file: string, limit = historyLimit): Promise<Uint8Array> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return new Uint8Array();
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, limit);
    const buffer = new Uint8Array(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer;
  } finally {
    await handle.close();
  }
}

/**
 * The part of `live` not already at the end of `past`. Live bytes that arrived while the log
 * was read may also be in the log; the longest suffix of `past` that is a prefix of `live`
 * is the overlap.
 */
export function withoutOverlap(past: Uint8Array, live: Uint8Array): Uint8Array {
  for (let n = Math.min(past.length, live.length); n > 0; n--) {
    let same = true;
    for (let i = 0; i < n && same; i++) same = past[past.length - n + i] === live[i];
    if (same) return live.subarray(n);
  }
  return live;
}
