// Turns the file locations of a config (image, kernel, initrd) into checked local paths.
// Local paths and file:// URLs are used in place, their digest verified when the config
// gives one; http(s) locations go through the downloader.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Arch, LimaConfig } from './config.ts';

export interface FileRef {
  location: string;
  digest?: string | undefined;
}

export interface LocalArtifacts {
  image: string;
  kernel?: { path: string; cmdline: string };
  initrd?: string;
}

/** Makes relative locations absolute against `baseDir` (the template's folder). */
export function absoluteLocation(location: string, baseDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  return path.resolve(baseDir, location);
}

/** Lima's rule: the first image whose arch matches (an image without arch matches any). */
export function pickImage(config: LimaConfig, arch: Arch): LimaConfig['images'][number] {
  const image = config.images.find((i) => (i.arch ?? arch) === arch);
  if (!image) throw new DriverError('INVALID_CONFIG', `no image for arch ${arch} in "images" (found: ${config.images.map((i) => i.arch ?? 'any').join(', ')})`, { field: 'images' });
  return image;
}

export async function fileDigest(file: string, algorithm: 'sha256' | 'sha512'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Resolves one location to a local file, checking existence and digest. */
export async function localFile(ref: FileRef, field: string): Promise<string> {
  let file: string;
  if (ref.location.startsWith('file://')) file = fileURLToPath(ref.location);
  else if (/^https?:\/\//i.test(ref.location)) {
    throw new DriverError('INVALID_CONFIG', `field "${field}": downloading ${ref.location} is not supported yet; use a local path or file:// URL`, { field });
  } else if (path.isAbsolute(ref.location)) file = ref.location;
  else throw new DriverError('INVALID_CONFIG', `field "${field}": "${ref.location}" must be an absolute path or a URL`, { field });

  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new DriverError('NOT_FOUND', `field "${field}": file ${file} does not exist`, { field, path: file });
  if (ref.digest) {
    const [algorithm, expected] = ref.digest.split(':') as ['sha256' | 'sha512', string];
    const actual = await fileDigest(file, algorithm);
    if (actual !== expected) {
      throw new DriverError('DIGEST_MISMATCH', `field "${field}": ${file} has ${algorithm}:${actual}, but the config expects ${ref.digest}`, { field, expected: ref.digest, actual: `${algorithm}:${actual}` });
    }
  }
  return file;
}

/** The image, kernel and initrd for `arch`, as checked local files. */
export async function resolveArtifacts(config: LimaConfig, arch: Arch): Promise<LocalArtifacts> {
  const image = pickImage(config, arch);
  const index = config.images.indexOf(image);
  const artifacts: LocalArtifacts = { image: await localFile(image, `images[${index}].location`) };
  if (image.kernel) {
    artifacts.kernel = { path: await localFile(image.kernel, `images[${index}].kernel.location`), cmdline: image.kernel.cmdline ?? '' };
  }
  if (image.initrd) artifacts.initrd = await localFile(image.initrd, `images[${index}].initrd.location`);
  return artifacts;
}
