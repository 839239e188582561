// What a template would make, before anything is created: the numbers the create dialog
// prefills (CPUs, memory, disk, display), the OS and architecture, and the image's size where
// it is known without a download (a local file, or one already in the download cache).
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
  /** The image's size in bytes; null until it is downloaded. */
  imageBytes: number | null;
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

export type PreviewOptions = Pick<TemplateOptions, 'vmTypes' | 'fetchText' | 'catalogDirs'> & { cacheDir: string };

async function imageSize(config: LimaConfig, arch: string, cacheDir: string): Promise<{ imageBytes: number | null; imageLocal: boolean }> {
  const image = config.images.find((i) => (i.arch ?? arch) === arch);
  if (!image) return { imageBytes: null, imageLocal: false };
  if (!isRemote(image.location)) {
    const stat = await fs.stat(path.resolve(image.location)).catch(() => undefined);
    return { imageBytes: stat?.isFile() ? stat.size : null, imageLocal: true };
  }
  const entry = await readEntry(cacheLayout(cacheDir), urlKey(image.location));
  return { imageBytes: entry?.size ?? null, imageLocal: false };
}

/** The facts of one template (a catalog name, a file or a URL); throws what loading throws. */
export async function templateFacts(ref: string, options: PreviewOptions): Promise<TemplateFacts> {
  const { config, document, warnings } = await loadTemplate(ref, options);
  const effective = effectiveConfig(config);
  const os = typeof document.os === 'string' ? document.os : 'Linux';
  return { ...effective, os, ...(await imageSize(config, effective.arch, options.cacheDir)), warnings };
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
