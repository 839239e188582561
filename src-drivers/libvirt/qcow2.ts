// Reads what the driver needs from disk images without running qemu-img (the bundle may run
// only virsh): the format of a base image, its size, whether it points at other files, and
// the internal snapshot table of a qcow2 (for the size of each snapshot's saved state, which
// libvirt does not report). Layout: QEMU's docs/interop/qcow2.txt; all fields big-endian.
import fs from 'node:fs/promises';

const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
/** Incompatible feature bit 2: the guest data lives in an external data file. */
const EXTERNAL_DATA_FILE = 1n << 2n;

export interface ImageFacts {
  format: 'qcow2' | 'raw';
  /** The guest-visible size in bytes. */
  virtualSize: number;
  /** Set when a qcow2 names a backing file. */
  backingFile?: string;
  /** Set when a qcow2 keeps its data in an external file. */
  externalDataFile?: boolean;
}

export interface Qcow2Snapshot {
  id: string;
  name: string;
  dateSec: number;
  vmStateSize: number;
}

async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** What kind of image `file` is: qcow2 by its magic, raw otherwise (the size is the file's). */
export async function imageFacts(file: string): Promise<ImageFacts> {
  const handle = await fs.open(file, 'r');
  try {
    const header = await readAt(handle, 0, 104);
    if (header.length < 72 || header.readUInt32BE(0) !== QCOW2_MAGIC) {
      return { format: 'raw', virtualSize: (await handle.stat()).size };
    }
    const version = header.readUInt32BE(4);
    const backingOffset = Number(header.readBigUInt64BE(8));
    const backingSize = header.readUInt32BE(16);
    const facts: ImageFacts = { format: 'qcow2', virtualSize: Number(header.readBigUInt64BE(24)) };
    if (backingOffset !== 0 && backingSize > 0) {
      facts.backingFile = (await readAt(handle, backingOffset, Math.min(backingSize, 4096))).toString('utf8');
    }
    if (version >= 3 && header.length >= 80 && (header.readBigUInt64BE(72) & EXTERNAL_DATA_FILE) !== 0n) facts.externalDataFile = true;
    return facts;
  } finally {
    await handle.close();
  }
}

/** The internal snapshots recorded in a qcow2's snapshot table. */
export async function qcow2Snapshots(file: string): Promise<Qcow2Snapshot[]> {
  const handle = await fs.open(file, 'r');
  try {
    const header = await readAt(handle, 0, 72);
    if (header.length < 72 || header.readUInt32BE(0) !== QCOW2_MAGIC) throw new Error(`${file} is not a qcow2 image`);
    const count = header.readUInt32BE(60);
    let offset = Number(header.readBigUInt64BE(64));
    const found: Qcow2Snapshot[] = [];
    for (let i = 0; i < Math.min(count, 65_536); i++) {
      const fixed = await readAt(handle, offset, 40);
      if (fixed.length < 40) throw new Error(`${file}: snapshot table ends early`);
      const idSize = fixed.readUInt16BE(12);
      const nameSize = fixed.readUInt16BE(14);
      const extraSize = fixed.readUInt32BE(36);
      const rest = await readAt(handle, offset + 40, extraSize + idSize + nameSize);
      if (rest.length < extraSize + idSize + nameSize) throw new Error(`${file}: snapshot table ends early`);
      // The 32-bit field is the legacy one; the extra data's first field is the full size (qcow2 v3).
      const vmStateSize = extraSize >= 8 ? Number(rest.readBigUInt64BE(0)) : fixed.readUInt32BE(32);
      found.push({
        id: rest.subarray(extraSize, extraSize + idSize).toString('utf8'),
        name: rest.subarray(extraSize + idSize, extraSize + idSize + nameSize).toString('utf8'),
        dateSec: fixed.readUInt32BE(16),
        vmStateSize,
      });
      const length = 40 + extraSize + idSize + nameSize;
      offset += length + ((8 - (length % 8)) % 8); // entries are 8-byte aligned
    }
    return found;
  } finally {
    await handle.close();
  }
}
