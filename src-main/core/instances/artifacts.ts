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
  /** Each file's own signal (a user may cancel one download and not the others); `signal` when absent. */
  signalFor?: (artifact: ArtifactKind) => AbortSignal | undefined;
}

/** A download the user cancelled: the reason its signal is aborted with, and what stops the image fallback. */
export function isCancellation(error: unknown): boolean {
  return error instanceof DriverError && error.details.cancelled === true;
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
  const signal = context.signalFor?.(artifact) ?? context.signal;
  try {
    const result = await context.downloader.fetch({
      url: ref.location,
      digest: ref.digest,
      decompress: artifact === 'image',
      signal,
      onProgress: (progress) => context.onProgress?.({ ...progress, artifact }),
    });
    return result.path;
  } catch (error) {
    // Cancelled: the cancellation is the reason, whatever the transfer threw on its way out.
    const typed = toDriverError(signal?.aborted ? signal.reason : error);
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
      const { kernel, initrd } = image;
      // At once, and each to its end: a failed or cancelled file does not stop the others (they land in the cache).
      const [imagePath, kernelPath, initrdPath] = await allSettledOrFirstFailure([
        fetchOne(image, `${at}.location`, 'image', context),
        kernel ? fetchOne(kernel, `${at}.kernel.location`, 'kernel', context) : undefined,
        initrd ? fetchOne(initrd, `${at}.initrd.location`, 'initrd', context) : undefined,
      ] as const);
      return {
        image: imagePath,
        ...(kernel && kernelPath !== undefined ? { kernel: { path: kernelPath, cmdline: kernel.cmdline ?? '' } } : {}),
        ...(initrdPath !== undefined ? { initrd: initrdPath } : {}),
      };
    } catch (error) {
      if (context.signal?.aborted || isCancellation(error)) throw error;
      failures.push(toDriverError(error));
    }
  }
  if (failures.length === 1) throw failures[0];
  throw new DriverError(failures[0]?.code ?? 'NOT_FOUND', `no image could be had: ${failures.map((f) => f.message).join('; ')}`, { field: 'images' });
}

/**
 * Waits for every promise; then the values, or the first failure (a user's cancellation before
 * any other, since it is what the user did).
 */
export async function allSettledOrFirstFailure<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  const failure = failures.find(isCancellation) ?? failures[0];
  if (failures.length > 0) throw failure;
  return settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined)) as { -readonly [K in keyof T]: Awaited<T[K]> };
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
