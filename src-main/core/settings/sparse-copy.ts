// Copies a file to another file system without filling its holes: raw disk images are sparse,
// and a plain byte copy would write every zero, growing a mostly empty 100 GiB disk to 100 GiB
// on the target. Node offers no SEEK_DATA/SEEK_HOLE and `cp --sparse=always` reports no
// progress, so this does what that option does: blocks that read as all zeros are not written,
// and the file's length is set at the end. Like cp, it also makes sparse the zero blocks a
// file held as data, which reads back the same.
import fs from 'node:fs/promises';

const chunkBytes = 1024 * 1024;
/** Zero runs shorter than this are written: the file systems' blocks are no smaller than 4 KiB, and qcow2's clusters 64 KiB. */
const blockBytes = 64 * 1024;
const zeros = Buffer.alloc(blockBytes);

export interface SparseCopyOptions {
  /** Called with the bytes read so far. */
  onBytes?: (copied: number) => void;
  /** Ends the copy between two chunks (the caller removes the partial file). */
  signal?: AbortSignal | undefined;
}

/** Copies `source` to the new file `target` (made with `mode`), holes kept, then syncs it. */
export async function copySparse(source: string, target: string, mode: number, options: SparseCopyOptions = {}): Promise<void> {
  const input = await fs.open(source, 'r');
  try {
    const output = await fs.open(target, 'wx', mode);
    try {
      const buffer = Buffer.allocUnsafe(chunkBytes);
      let position = 0;
      for (;;) {
        options.signal?.throwIfAborted();
        const { bytesRead } = await input.read(buffer, 0, chunkBytes, position);
        if (bytesRead === 0) break;
        await writeDataBlocks(output, buffer.subarray(0, bytesRead), position);
        position += bytesRead;
        options.onBytes?.(position);
      }
      await output.truncate(position); // a trailing hole still counts in the length
      await output.sync(); // on disk before the switch: a crash right after it must not find a short file
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/** Writes the chunk's blocks that hold data (runs of them in one write), skipping all-zero ones. */
async function writeDataBlocks(output: fs.FileHandle, chunk: Buffer, position: number): Promise<void> {
  let runStart = -1;
  const flush = async (end: number) => {
    if (runStart >= 0) await output.write(chunk, runStart, end - runStart, position + runStart);
    runStart = -1;
  };
  for (let offset = 0; offset < chunk.length; offset += blockBytes) {
    const block = chunk.subarray(offset, offset + blockBytes);
    if (!block.equals(zeros.subarray(0, block.length))) runStart = runStart < 0 ? offset : runStart;
    else await flush(offset);
  }
  await flush(chunk.length);
}
