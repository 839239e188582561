// file:// URLs and absolute paths are used in place: never copied into the cache, their
// digest checked when one is given, once per version of the file.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { formatDigest, hashFile, newHash, type Digest } from './digest.ts';
import type { ProgressReporter } from './progress.ts';
import { forgetVerified, rememberVerified, wasVerified } from './verified.ts';

/** The local path a location names, or undefined for a remote URL. */
export function localPath(location: string): string | undefined {
  if (/^file:\/\//i.test(location)) return fileURLToPath(location);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return undefined;
  if (path.isAbsolute(location)) return location;
  throw new DriverError('INVALID_CONFIG', `"${location}" must be an absolute path or a URL`, { location });
}

/** Whether a location names a local file (a path or file://), without throwing for odd ones. */
export function isLocalLocation(location: string): boolean {
  return /^file:\/\//i.test(location) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(location);
}

/**
 * Checks a local file and, when a digest is given, that it has it: hashed the first time (a
 * 'verify' phase, since a big image takes a while), then remembered under `verifiedDir` until
 * the file changes (verified.ts). A mismatch is refused and forgotten.
 */
export async function checkLocal(location: string, file: string, digest: Digest | undefined, progress: ProgressReporter, verifiedDir: string): Promise<number> {
  const stat = await fs.stat(file, { bigint: true }).catch(() => undefined);
  if (!stat?.isFile()) throw new DriverError('NOT_FOUND', `${file} does not exist or is not a file`, { url: location, path: file });
  const size = Number(stat.size);
  if (digest && !(await wasVerified(verifiedDir, file, stat, digest))) {
    progress.phase('verify', size);
    const hash = newHash(digest.algorithm);
    await hashFile(file, hash, (b) => progress.update(b));
    progress.flush();
    const actual = hash.digest('hex');
    if (actual !== digest.hex) {
      await forgetVerified(verifiedDir, file);
      throw mismatch(location, digest, { algorithm: digest.algorithm, hex: actual });
    }
    await rememberVerified(verifiedDir, file, stat, digest);
  }
  return size;
}

export function mismatch(url: string, expected: Digest, actual: Digest): DriverError {
  return new DriverError('DIGEST_MISMATCH', `${url} has digest ${formatDigest(actual)}, but ${formatDigest(expected)} was expected`, {
    url, expected: formatDigest(expected), actual: formatDigest(actual),
  });
}
