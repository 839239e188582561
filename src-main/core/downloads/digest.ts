// Digests in Lima's `algo:hex` form. Parsed once at the boundary so the rest of the
// downloader handles a typed value, never a string split by hand.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface Digest {
  algorithm: DigestAlgorithm;
  hex: string;
}

const digestSchema = z.string().trim().toLowerCase().regex(/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/);

/** Parses `sha256:…` / `sha512:…`; anything else is a config error naming the value. */
export function parseDigest(value: string): Digest {
  const parsed = digestSchema.safeParse(value);
  if (!parsed.success) {
    throw new DriverError('INVALID_CONFIG', `digest "${value}" is not of the form sha256:<64 hex> or sha512:<128 hex>`, { digest: value });
  }
  const [algorithm, hex] = parsed.data.split(':') as [DigestAlgorithm, string];
  return { algorithm, hex };
}

/** Like parseDigest, but undefined for text that is not a digest (metadata read back from disk). */
export function tryParseDigest(value: string): Digest | undefined {
  const parsed = digestSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const [algorithm, hex] = parsed.data.split(':') as [DigestAlgorithm, string];
  return { algorithm, hex };
}

export function formatDigest(digest: Digest): string {
  return `${digest.algorithm}:${digest.hex}`;
}

export function newHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

/** Hashes the first `length` bytes of a file (all of it when omitted), reporting bytes read. */
export async function hashFile(file: string, hash: Hash, onBytes?: (bytes: number) => void, length?: number): Promise<number> {
  if (length === 0) return 0;
  let bytes = 0;
  const options = length === undefined ? { highWaterMark: 1 << 20 } : { highWaterMark: 1 << 20, end: length - 1 };
  for await (const chunk of createReadStream(file, options)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    onBytes?.(bytes);
  }
  return bytes;
}
