// Turns the file locations of a config (image, kernel, initrd, nerdctl archive) into checked
// local files: the image's at create when they are local, everything at start. Everything goes through the downloader: local paths and file:// URLs are used in
// place with their digest checked, http(s) ones are fetched into the shared cache with progress.
// Images are tried in template order, skipping other architectures (Lima's fallback rule).
import path from 'node:path';
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Downloader } from '../downloads/index.ts';
import type { DownloadProgress } from '../downloads/index.ts';
import type { Arch, LimaConfig } from './config.ts';

export type ArtifactKind = 'image' | 'kernel' | 'initrd' | 'archive';

export interface ArtifactProgress extends DownloadProgress {
  artifact: ArtifactKind;
}

export interface FetchContext {
  downloader: Downloader;
  onProgress?: (progress: ArtifactProgress) => void;
  signal?: AbortSignal;
}

export interface LocalArtifacts {
  image: string;
  kernel?: { path: string; cmdline: string };
  initrd?: string;
  /** The nerdctl-full archive, when containerd is enabled. */
  archive?: string;
}

type FileRef = { location: string; digest?: string | undefined };

/** Makes relative locations absolute against `baseDir` (the template's folder). */
export function absoluteLocation(location: string, baseDir: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  return path.resolve(baseDir, location);
}

export function isRemote(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

function candidates(config: LimaConfig, arch: Arch): { image: LimaConfig['images'][number]; index: number }[] {
  const matching = config.images.map((image, index) => ({ image, index })).filter(({ image }) => (image.arch ?? arch) === arch);
  if (matching.length === 0) {
    throw new DriverError('INVALID_CONFIG', `no image for arch ${arch} in "images" (found: ${config.images.map((i) => i.arch ?? 'any').join(', ')})`, { field: 'images' });
  }
  return matching;
}

/** Whether starting the instance will download something (so create cannot check it yet). */
export function needsDownload(config: LimaConfig, arch: Arch): boolean {
  const first = candidates(config, arch)[0]?.image;
  return [first?.location, first?.kernel?.location, first?.initrd?.location].some((l) => l !== undefined && isRemote(l));
}

async function fetchOne(ref: FileRef, field: string, artifact: ArtifactKind, context: FetchContext): Promise<string> {
  try {
    const result = await context.downloader.fetch({
      url: ref.location,
      digest: ref.digest,
      decompress: artifact === 'image',
      signal: context.signal,
      onProgress: (progress) => context.onProgress?.({ ...progress, artifact }),
    });
    return result.path;
  } catch (error) {
    const typed = toDriverError(error);
    throw new DriverError(typed.code, `field "${field}": ${typed.message}`, { ...typed.details, field });
  }
}

/**
 * The first image (with its kernel and initrd) for `arch` that can be had; every failure is
 * listed if none can. Not the nerdctl archive: only a start needs it (resolveArchive), so a
 * create works offline.
 */
export async function resolveArtifacts(config: LimaConfig, arch: Arch, context: FetchContext): Promise<LocalArtifacts> {
  const failures: DriverError[] = [];
  for (const { image, index } of candidates(config, arch)) {
    try {
      const at = `images[${index}]`;
      const artifacts: LocalArtifacts = { image: await fetchOne(image, `${at}.location`, 'image', context) };
      if (image.kernel) {
        artifacts.kernel = { path: await fetchOne(image.kernel, `${at}.kernel.location`, 'kernel', context), cmdline: image.kernel.cmdline ?? '' };
      }
      if (image.initrd) artifacts.initrd = await fetchOne(image.initrd, `${at}.initrd.location`, 'initrd', context);
      return artifacts;
    } catch (error) {
      if (context.signal?.aborted) throw error;
      failures.push(toDriverError(error));
    }
  }
  if (failures.length === 1) throw failures[0];
  throw new DriverError(failures[0]?.code ?? 'NOT_FOUND', `no image could be had: ${failures.map((f) => f.message).join('; ')}`, { field: 'images' });
}

/** Which nerdctl-full archive a start fetches, or undefined when containerd is off; checked at create, fetched at start. */
export function archiveFor(config: LimaConfig, arch: Arch): { ref: FileRef; field: string } | undefined {
  const containerd = config.containerd;
  if (!containerd?.system && !containerd?.user) return undefined;
  const archives = containerd.archives ?? [];
  const index = archives.findIndex((a) => (a.arch ?? arch) === arch);
  const archive = archives[index];
  if (!archive) throw new DriverError('INVALID_CONFIG', `containerd is enabled but "containerd.archives" has none for ${arch}`, { field: 'containerd.archives' });
  return { ref: archive, field: `containerd.archives[${index}].location` };
}

/** The nerdctl-full archive for `arch`, kept compressed, when containerd is enabled. */
export async function resolveArchive(config: LimaConfig, arch: Arch, context: FetchContext): Promise<string | undefined> {
  const archive = archiveFor(config, arch);
  return archive ? fetchOne(archive.ref, archive.field, 'archive', context) : undefined;
}
