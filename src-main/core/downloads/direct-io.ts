// Writes that bypass the page cache (O_DIRECT, Linux), where the file system takes them.
// Copying a download into the page cache and flushing it later costs ~0.45 s of CPU per GiB
// here (buffered `dd ... conv=fsync`: 0.57 s sys; with oflag=direct: 0.13 s), on a machine
// whose other core is busy hashing; with O_DIRECT the disk reads the slot itself. It also
// spares the user's page cache a multi-GiB image. The final fsync is kept: O_DIRECT alone
// does not make data durable.
import { constants, writeSync } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';

/** O_DIRECT writes here start at multiples of this and are multiples of it long (512 and 4K sector disks alike). */
export const directAlign = 4096;

const wasmPage = 64 << 10;

// The WebAssembly global exists in Node, but this project's TypeScript libs do not declare it.
type WasmMemory = new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike };
const WasmMemory = (globalThis as { WebAssembly?: { Memory?: WasmMemory } }).WebAssembly?.Memory;

/**
 * Shared memory that starts on a page boundary. A SharedArrayBuffer comes from malloc (16
 * bytes past a page here), which O_DIRECT takes on this disk (512-byte alignment) but which
 * then made 1 GiB of writes take 1.8-2.0 s instead of 0.8-1.0 s in some runs (in a
 * VM a request whose memory straddles pages is likely bounced by the host). WebAssembly
 * memory is page-aligned by construction. Its cost is address space, not memory: V8 reserves
 * guard regions around it (8 GiB virtual here). Without WebAssembly (--jitless), plain memory.
 */
export function pageAlignedBuffer(bytes: number): SharedArrayBuffer {
  const pages = Math.ceil(bytes / wasmPage);
  try {
    const buffer = WasmMemory && new WasmMemory({ initial: pages, maximum: pages, shared: true }).buffer;
    if (buffer instanceof SharedArrayBuffer) return buffer;
  } catch {
    // no WebAssembly here: plain memory below
  }
  return new SharedArrayBuffer(pages * wasmPage);
}

export interface DirectFile {
  handle: FileHandle;
  /** Where in the buffer probed an aligned write may start. */
  pad: number;
}

/** Opens `file` for O_DIRECT writes from `buffer`; undefined where the platform or file system will not. */
export async function openDirect(file: string, buffer: SharedArrayBuffer): Promise<DirectFile | undefined> {
  const flag = constants.O_DIRECT as number | undefined; // undefined off Linux
  if (flag === undefined || buffer.byteLength < 2 * directAlign) return undefined;
  const pad = await probeAlignment(`${file}.probe`, buffer, flag);
  if (pad === undefined) return undefined;
  const handle = await fs.open(file, constants.O_WRONLY | flag).catch(() => undefined);
  return handle && { handle, pad };
}

/**
 * JavaScript cannot see a buffer's address, and O_DIRECT wants it aligned for the device: try
 * the offsets an allocation can start at (multiples of 16) until a write goes through. This
 * also tells whether the file system takes O_DIRECT at all. Synchronous on purpose: the
 * misses fail at once in the kernel (EINVAL), where a thread-pool round trip each would add
 * up to milliseconds; only the one write that lands does any I/O (4 KiB).
 */
async function probeAlignment(probe: string, buffer: SharedArrayBuffer, flag: number): Promise<number | undefined> {
  const handle = await fs.open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | flag, 0o600).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const bytes = Buffer.from(buffer, 0, 2 * directAlign);
    for (let pad = 0; pad < directAlign; pad += 16) {
      try {
        writeSync(handle.fd, bytes, pad, directAlign, 0);
        return pad;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') return undefined;
      }
    }
    return undefined;
  } finally {
    await handle.close();
    await fs.rm(probe, { force: true });
  }
}
