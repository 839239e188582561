// Byte-level encoders for ISO 9660 (ECMA-119) structures, with the Rock Ridge (RRIP 1.09 over
// SUSP) and Joliet extensions: volume descriptors, directory records, path tables. Offsets and
// field sizes follow ECMA-119 sections 8.4 (volume descriptor), 9.1 (directory record) and
// 9.4 (path table). Pure functions over buffers; iso9660.ts decides the layout.

export const SECTOR = 2048;

/** 32-bit "both-byte orders" field: little-endian then big-endian (ECMA-119 7.3.3). */
function both32(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value, offset);
  buf.writeUInt32BE(value, offset + 4);
}

/** 16-bit both-byte orders field (ECMA-119 7.2.3). */
function both16(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt16LE(value, offset);
  buf.writeUInt16BE(value, offset + 2);
}

/** The 7-byte recording date of a directory record (ECMA-119 9.1.5), in UTC. */
function recordDate(date: Date): Buffer {
  return Buffer.from([
    date.getUTCFullYear() - 1900, date.getUTCMonth() + 1, date.getUTCDate(),
    date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), 0,
  ]);
}

/** The 17-byte volume date (ECMA-119 8.4.26.1): 16 ASCII digits and a zone offset; null: "not specified". */
function volumeDate(date: Date | null): Buffer {
  if (!date) return Buffer.concat([Buffer.from('0'.repeat(16), 'latin1'), Buffer.from([0])]);
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const text = pad(date.getUTCFullYear(), 4) + pad(date.getUTCMonth() + 1, 2) + pad(date.getUTCDate(), 2)
    + pad(date.getUTCHours(), 2) + pad(date.getUTCMinutes(), 2) + pad(date.getUTCSeconds(), 2)
    + pad(Math.floor(date.getUTCMilliseconds() / 10), 2);
  return Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0])]);
}

/** The two trees of names: the primary one (ASCII, Rock Ridge on top) and Joliet's (UCS-2 big-endian). */
export type Charset = 'ascii' | 'ucs2';

/** Encodes a text field, padded with spaces to `bytes` (ECMA-119 a-/d-characters, or Joliet UCS-2). */
function textField(text: string, bytes: number, charset: Charset): Buffer {
  const out = Buffer.alloc(bytes);
  if (charset === 'ascii') {
    out.fill(0x20);
    out.write(text.slice(0, bytes), 'latin1');
  } else {
    for (let i = 0; i + 1 < bytes; i += 2) out.writeUInt16BE(0x0020, i);
    ucs2(text.slice(0, bytes >> 1)).copy(out);
  }
  return out;
}

/** UCS-2 big-endian, the encoding Joliet names and fields use. */
export function ucs2(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

export interface RecordFields {
  /** The identifier bytes: 0x00 for ".", 0x01 for "..", else the encoded file name. */
  identifier: Buffer;
  extent: number;
  size: number;
  directory: boolean;
  date: Date;
  /** System Use entries (Rock Ridge), appended after the identifier. */
  systemUse?: Buffer;
}

/** A directory record (ECMA-119 9.1); its length is even and at most 255. */
export function directoryRecord(fields: RecordFields): Buffer {
  const idLength = fields.identifier.length;
  // A padding byte follows an even-length identifier, so System Use starts at an even offset.
  const base = 33 + idLength + (idLength % 2 === 0 ? 1 : 0);
  const systemUse = fields.systemUse ?? Buffer.alloc(0);
  const length = base + systemUse.length + ((base + systemUse.length) % 2);
  if (length > 255) throw new RangeError(`directory record of ${length} bytes exceeds 255`);
  const rec = Buffer.alloc(length);
  rec[0] = length;
  both32(rec, 2, fields.extent);
  both32(rec, 10, fields.size);
  recordDate(fields.date).copy(rec, 18);
  rec[25] = fields.directory ? 0x02 : 0x00;
  both16(rec, 28, 1); // volume sequence number
  rec[32] = idLength;
  fields.identifier.copy(rec, 33);
  systemUse.copy(rec, base);
  return rec;
}

// --- Rock Ridge (RRIP 1.09) System Use entries --------------------------------------------

function susp(signature: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(signature, 'latin1'), Buffer.from([4 + body.length, 1]), body]);
}

/** SP: marks SUSP in use; only in the first record ("." ) of the root directory. */
export function spEntry(): Buffer {
  return susp('SP', Buffer.from([0xbe, 0xef, 0]));
}

/** RR (RRIP 1.09): which Rock Ridge entries follow. Linux refuses NM names unless bit 3 is set here. */
export function rrEntry(flags: { px?: boolean; nm?: boolean }): Buffer {
  return susp('RR', Buffer.from([(flags.px ? 0x01 : 0) | (flags.nm ? 0x08 : 0)]));
}

/** PX: POSIX mode, link count, uid, gid (RRIP 1.09 layout, 36 bytes). */
export function pxEntry(mode: number, links: number): Buffer {
  const body = Buffer.alloc(32);
  both32(body, 0, mode);
  both32(body, 8, links);
  both32(body, 16, 0); // uid
  both32(body, 24, 0); // gid
  return susp('PX', body);
}

/** NM: the file's real name, which the ISO 9660 level-1 identifier cannot carry. */
export function nmEntry(name: string): Buffer {
  return susp('NM', Buffer.concat([Buffer.from([0]), Buffer.from(name, 'utf8')]));
}

/**
 * ER: names the extension in use. Linux uses Rock Ridge over Joliet only when the root carries
 * an ER; the texts are short (readers check only the identifier) so the root "." record stays
 * within 255 bytes without a continuation area.
 */
export function erEntry(): Buffer {
  const id = Buffer.from('RRIP_1991A', 'latin1');
  const descriptor = Buffer.from('THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS', 'latin1');
  const source = Buffer.from('IEEE P1282', 'latin1');
  return susp('ER', Buffer.concat([Buffer.from([id.length, descriptor.length, source.length, 1]), id, descriptor, source]));
}

// --- Volume descriptors and path tables ------------------------------------------------------

export interface VolumeFields {
  /** 1: primary; 2: supplementary (Joliet). */
  type: 1 | 2;
  charset: Charset;
  label: string;
  volumeSectors: number;
  pathTableSize: number;
  pathTableL: number;
  pathTableM: number;
  /** The root directory's "." record, 34 bytes, without System Use. */
  rootRecord: Buffer;
  date: Date;
}

/** A primary or supplementary volume descriptor (ECMA-119 8.4 and 8.5), one sector. */
export function volumeDescriptor(v: VolumeFields): Buffer {
  const sector = Buffer.alloc(SECTOR);
  sector[0] = v.type;
  sector.write('CD001', 1, 'latin1');
  sector[6] = 1;
  textField('LINUX', 32, v.charset).copy(sector, 8);
  textField(v.label, 32, v.charset).copy(sector, 40);
  both32(sector, 80, v.volumeSectors);
  // Joliet level 3 escape sequence "%/E": what marks a supplementary descriptor as Joliet.
  if (v.charset === 'ucs2') sector.write('%/E', 88, 'latin1');
  both16(sector, 120, 1); // volume set size
  both16(sector, 124, 1); // volume sequence number
  both16(sector, 128, SECTOR);
  both32(sector, 132, v.pathTableSize);
  sector.writeUInt32LE(v.pathTableL, 140);
  sector.writeUInt32BE(v.pathTableM, 148);
  v.rootRecord.copy(sector, 156);
  textField('', 128, v.charset).copy(sector, 190); // volume set
  textField('', 128, v.charset).copy(sector, 318); // publisher
  textField('', 128, v.charset).copy(sector, 446); // data preparer
  textField('CORRAL', 128, v.charset).copy(sector, 574); // application
  for (const offset of [702, 739, 776]) textField('', 37, v.charset).copy(sector, offset);
  volumeDate(v.date).copy(sector, 813); // creation
  volumeDate(v.date).copy(sector, 830); // modification
  volumeDate(null).copy(sector, 847); // expiration
  volumeDate(null).copy(sector, 864); // effective
  sector[881] = 1; // file structure version
  return sector;
}

/** The volume descriptor set terminator (ECMA-119 8.3). */
export function terminator(): Buffer {
  const sector = Buffer.alloc(SECTOR);
  sector[0] = 255;
  sector.write('CD001', 1, 'latin1');
  sector[6] = 1;
  return sector;
}

/** A path table with the root directory alone (ECMA-119 9.4): 10 bytes, in one byte order. */
export function rootPathTable(rootExtent: number, order: 'L' | 'M'): Buffer {
  const table = Buffer.alloc(10);
  table[0] = 1; // identifier length: the root's identifier is one 0x00 byte
  if (order === 'L') {
    table.writeUInt32LE(rootExtent, 2);
    table.writeUInt16LE(1, 6);
  } else {
    table.writeUInt32BE(rootExtent, 2);
    table.writeUInt16BE(1, 6);
  }
  return table;
}
