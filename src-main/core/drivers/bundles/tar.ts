// A small, strict ustar reader and writer for driver bundles. Strict on purpose: a general tar
// library quietly rewrites what it does not like (strips a leading "/", skips links), which
// would hide a malicious bundle instead of refusing it. Here every entry is reported as it is,
// and the caller decides; anything beyond plain files, folders and links is refused outright.
import { gunzipSync, gzipSync } from 'node:zlib';

export type TarEntry =
  | { type: 'file'; path: string; data: Buffer }
  | { type: 'dir'; path: string }
  | { type: 'link'; path: string; target: string; hard: boolean };

export class TarError extends Error {}

const block = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number, what: string): number {
  // The top bit set means GNU base-256: only used for sizes beyond 8 GiB, far past any limit.
  if ((header[offset] ?? 0) & 0x80) throw new TarError(`${what} is too large`);
  const text = field(header, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`${what} is not an octal number`);
  return parseInt(text, 8);
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i] ?? 0;
  return sum;
}

/**
 * Reads a gzip'd tar, refusing more than `maxBytes` of tar data (a gzip bomb stops at the
 * limit rather than filling memory) and more than `maxEntries` entries.
 */
export function readTarGz(gz: Buffer, limits: { maxBytes: number; maxEntries: number }): TarEntry[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: limits.maxBytes });
  } catch (error) {
    if (error instanceof RangeError) throw new TarError(`it unpacks to more than ${limits.maxBytes} bytes`);
    throw new TarError(`it is not a gzip file (${(error as Error).message})`);
  }
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + block <= tar.length) {
    const header = tar.subarray(offset, offset + block);
    if (header.every((b) => b === 0)) return entries;
    if (octal(header, 148, 8, 'a header checksum') !== checksum(header)) throw new TarError(`the tar header at byte ${offset} is corrupt (checksum)`);
    const name = field(header, 0, 100);
    const prefix = field(header, 257, 6).startsWith('ustar') ? field(header, 345, 155) : '';
    const entryPath = prefix ? `${prefix}/${name}` : name;
    const size = octal(header, 124, 12, `the size of ${entryPath}`);
    const type = String.fromCharCode(header[156] ?? 0);
    offset += block;
    if (offset + size > tar.length) throw new TarError(`${entryPath} is cut short`);
    if (type === '0' || type === '\0') entries.push({ type: 'file', path: entryPath, data: Buffer.from(tar.subarray(offset, offset + size)) });
    else if (type === '5') entries.push({ type: 'dir', path: entryPath });
    else if (type === '1' || type === '2') entries.push({ type: 'link', path: entryPath, target: field(header, 157, 100), hard: type === '1' });
    else throw new TarError(`${entryPath} has tar entry type "${type}"; only files and folders are allowed`);
    if (entries.length > limits.maxEntries) throw new TarError(`it holds more than ${limits.maxEntries} entries`);
    offset += Math.ceil(size / block) * block;
  }
  throw new TarError('the tar archive has no end marker (truncated)');
}

function writeString(header: Buffer, value: string, offset: number, length: number): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new TarError(`"${value}" does not fit a tar header field of ${length} bytes`);
  bytes.copy(header, offset);
}

function writeOctal(header: Buffer, value: number, offset: number, length: number): void {
  writeString(header, value.toString(8).padStart(length - 1, '0'), offset, length - 1);
}

function splitName(p: string): [prefix: string, name: string] {
  if (Buffer.byteLength(p) <= 100) return ['', p];
  const cut = p.lastIndexOf('/', p.length - 1);
  for (let i = cut; i > 0; i = p.lastIndexOf('/', i - 1)) {
    if (Buffer.byteLength(p.slice(i + 1)) <= 100 && Buffer.byteLength(p.slice(0, i)) <= 155) return [p.slice(0, i), p.slice(i + 1)];
  }
  throw new TarError(`path too long for a tar header: ${p}`);
}

/** Writes entries as a gzip'd ustar archive. Tests use it to build malicious bundles too. */
export function writeTarGz(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(block);
    const [prefix, name] = splitName(entry.path);
    writeString(header, name, 0, 100);
    writeOctal(header, entry.type === 'dir' ? 0o755 : 0o644, 100, 8);
    writeOctal(header, 0, 108, 8);
    writeOctal(header, 0, 116, 8);
    const size = entry.type === 'file' ? entry.data.length : 0;
    writeOctal(header, size, 124, 12);
    writeOctal(header, 0, 136, 12);
    header[156] = (entry.type === 'file' ? '0' : entry.type === 'dir' ? '5' : entry.hard ? '1' : '2').charCodeAt(0);
    if (entry.type === 'link') writeString(header, entry.target, 157, 100);
    writeString(header, 'ustar\u000000', 257, 8);
    writeString(header, prefix, 345, 155);
    writeOctal(header, checksum(header), 148, 7);
    header[155] = 0x20;
    parts.push(header);
    if (entry.type === 'file') {
      parts.push(entry.data, Buffer.alloc((block - (size % block)) % block));
    }
  }
  parts.push(Buffer.alloc(block * 2));
  return gzipSync(Buffer.concat(parts));
}
