// Compressed images (.gz, .xz, .zst, .bz2) are unpacked into the cache as a stream, after the
// download's digest was checked against the compressed bytes (as Lima does). Libraries:
// gzip and zstd come with Node's zlib; xz via `xz-decompress` (WebAssembly, streams in
// bounded memory, no native build); bzip2 via `unbzip2-stream` (pure JS, streams).
// @napi-rs/lzma was passed over: it decompresses whole buffers, so RAM would grow with the image.
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import { PassThrough, Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import zlib from 'node:zlib';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { ProgressReporter } from './progress.ts';

export type Encoding = 'gzip' | 'xz' | 'zstd' | 'bzip2';

const byExtension: Record<string, Encoding> = { '.gz': 'gzip', '.xz': 'xz', '.zst': 'zstd', '.bz2': 'bzip2' };

const magic: [Encoding, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

/** The URL's extension decides first; otherwise the file's first bytes. */
export async function detectEncoding(url: string, file: string): Promise<Encoding | null> {
  const pathname = URL.canParse(url) ? new URL(url).pathname : url;
  const ext = /\.[a-z0-9]+$/i.exec(pathname)?.[0]?.toLowerCase();
  if (ext && byExtension[ext]) return byExtension[ext];
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(6);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const found = magic.find(([, bytes]) => bytesRead >= bytes.length && bytes.every((b, i) => head[i] === b));
    return found ? found[0] : null;
  } finally {
    await handle.close();
  }
}

// xz and bzip2 load when an image needs them: xz-decompress compiles its WebAssembly at import,
// which every engine start (a web shell's first answer included) would otherwise pay.
async function decoder(encoding: Encoding, source: Readable): Promise<Readable> {
  switch (encoding) {
    case 'gzip': return source.pipe(forwardErrors(source, zlib.createGunzip()));
    case 'zstd': return source.pipe(forwardErrors(source, zlib.createZstdDecompress()));
    case 'xz': {
      // a webpack CJS bundle: Node cannot see its named exports
      const { default: xz } = await import('xz-decompress');
      const web = Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>;
      return Readable.fromWeb(new xz.XzReadableStream(web) as unknown as WebReadableStream<Uint8Array>);
    }
    case 'bzip2': {
      // unbzip2-stream is a classic `through` stream; its legacy pipe() into a PassThrough
      // keeps backpressure (Readable.wrap() never ends on it).
      const { default: bz2 } = await import('unbzip2-stream');
      const through = bz2();
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      source.on('error', (error) => out.destroy(error));
      through.on('error', (error) => out.destroy(error));
      source.pipe(through).pipe(out);
      return out;
    }
  }
}

function forwardErrors(source: Readable, target: Duplex): Duplex {
  source.on('error', (error) => target.destroy(error));
  return target;
}

/** Unpacks `from` into `to` (fsynced), reporting compressed bytes consumed. */
export async function decompressFile(url: string, encoding: Encoding, from: string, to: string, progress: ProgressReporter, signal?: AbortSignal): Promise<void> {
  const total = (await fs.stat(from)).size;
  const source = createReadStream(from, { highWaterMark: 1 << 20 });
  progress.phase('decompress', total);
  try {
    const decoded = await decoder(encoding, source);
    // Attached only now: a 'data' listener starts the flow, and no chunk may pass unpiped.
    source.on('data', () => progress.update(source.bytesRead));
    await pipeline(decoded, createWriteStream(to, { highWaterMark: 1 << 20 }), signal ? { signal } : {});
    await syncFile(to);
  } catch (error) {
    source.destroy();
    if (signal?.aborted || (error as { code?: unknown }).code === 'ENOSPC') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DriverError('INVALID_CONFIG', `${url} is not valid ${encoding} data: ${reason}`, { url, encoding });
  }
  progress.flush();
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
