// file:// URLs and absolute paths are used in place: never copied into the cache, their
// digest checked when one is given (a 'verify' phase, since hashing a big image takes a while).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { formatDigest, hashFile, newHash, type Digest } from './digest.ts';
import type { ProgressReporter } from './progress.ts';

/** The local path a location names, or undefined for a remote URL. */
export function localPath(location: string): string | undefined {
  if (/^file:\/\//i.test(location)) return fileURLToPath(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return undefined;
  if (path.isAbsolute(location)) return location;
  throw new DriverError('INVALID_CONFIG', `"${location}" must be an absolute path or a URL`, { location });
}

export async function checkLocal(location: string, file: string, digest: Digest | undefined, progress: ProgressReporter): Promise<number> {
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new DriverError('NOT_FOUND', `${file} does not exist or is not a file`, { url: location, path: file });
  if (digest) {
    progress.phase('verify', stat.size);
    const hash = newHash(digest.algorithm);
    await hashFile(file, hash, (b) => progress.update(b));
    progress.flush();
    const actual = hash.digest('hex');
    if (actual !== digest.hex) throw mismatch(location, digest, { algorithm: digest.algorithm, hex: actual });
  }
  return stat.size;
}

export function mismatch(url: string, expected: Digest, actual: Digest): DriverError {
  return new DriverError('DIGEST_MISMATCH', `${url} has digest ${formatDigest(actual)}, but ${formatDigest(expected)} was expected`, {
    url, expected: formatDigest(expected), actual: formatDigest(actual),
  });
}
