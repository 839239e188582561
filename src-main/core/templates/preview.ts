// What a template would make, before anything is created: the numbers the create dialog
// prefills (CPUs, memory, disk, display), the OS and architecture, and the image's size where
// it is known without a download (a local file, one already in the download cache, or what the
// image's server says its size is, when the caller gives a way to ask: remote-size.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import { cacheLayout, readEntry, urlKey } from '../downloads/cache.ts';
import { isRemote } from '../instances/artifacts.ts';
import { effectiveConfig } from '../instances/effective.ts';
import type { EffectiveConfig } from '../instances/effective.ts';
import type { LimaConfig } from '../instances/config.ts';
import { listCatalog } from './catalog.ts';
import { catalogDir, loadTemplate } from './load.ts';
import type { TemplateOptions } from './load.ts';

export interface TemplateFacts extends EffectiveConfig {
  /** Lima's `os` (Linux unless the template says otherwise). */
  os: string;
  /** The image's size in bytes; null when neither the file, the cache nor its server says. */
  imageBytes: number | null;
  /** Where imageBytes comes from: the local file, the download cache, or the server (not downloaded yet). */
  imageSizeFrom: 'file' | 'cache' | 'server' | 'unknown';
  /** Whether the image is a file on this machine (nothing to download). */
  imageLocal: boolean;
  /** What loading the template warned about (unsupported fields and the like). */
  warnings: string[];
}

export interface CatalogFacts {
  name: string;
  description: string;
  facts?: TemplateFacts;
  /** Why the entry's facts could not be read (the template does not load). */
  problem?: string;
}

export type PreviewOptions = Pick<TemplateOptions, 'vmTypes' | 'fetchText' | 'catalogDirs'> & {
  cacheDir: string;
  /** Asks a remote image's server for its size (null: it does not say); without it, remote sizes are known once cached. */
  remoteSize?: (url: string) => Promise<number | null>;
};

type ImageSize = Pick<TemplateFacts, 'imageBytes' | 'imageLocal' | 'imageSizeFrom'>;

async function imageSize(config: LimaConfig, arch: string, options: PreviewOptions): Promise<ImageSize> {
  const image = config.images.find((i) => (i.arch ?? arch) === arch);
  if (!image) return { imageBytes: null, imageLocal: false, imageSizeFrom: 'unknown' };
  if (!isRemote(image.location)) {
    const stat = await fs.stat(path.resolve(image.location)).catch(() => undefined);
    return stat?.isFile() ? { imageBytes: stat.size, imageLocal: true, imageSizeFrom: 'file' } : { imageBytes: null, imageLocal: true, imageSizeFrom: 'unknown' };
  }
  const entry = await readEntry(cacheLayout(options.cacheDir), urlKey(image.location));
  if (entry) return { imageBytes: entry.size, imageLocal: false, imageSizeFrom: 'cache' };
  const stated = options.remoteSize ? await options.remoteSize(image.location) : null;
  return stated === null ? { imageBytes: null, imageLocal: false, imageSizeFrom: 'unknown' } : { imageBytes: stated, imageLocal: false, imageSizeFrom: 'server' };
}

/** The facts of one template (a catalog name, a file or a URL); throws what loading throws. */
export async function templateFacts(ref: string, options: PreviewOptions): Promise<TemplateFacts> {
  const { config, document, warnings } = await loadTemplate(ref, options);
  const effective = effectiveConfig(config);
  const os = typeof document.os === 'string' ? document.os : 'Linux';
  return { ...effective, os, ...(await imageSize(config, effective.arch, options)), warnings };
}

/** The catalog with each entry's facts; an entry that does not load says why instead. */
export async function catalogWithFacts(options: PreviewOptions): Promise<CatalogFacts[]> {
  const entries = await listCatalog(options.catalogDirs ?? [catalogDir]);
  return Promise.all(entries.map(async ({ name, description }): Promise<CatalogFacts> => {
    try {
      return { name, description, facts: await templateFacts(name, options) };
    } catch (error) {
      return { name, description, problem: error instanceof Error ? error.message : String(error) };
    }
  }));
}
