// Finding the template a new instance is made from: a file path, or a name in the catalog
// (assets/templates/NAME.yaml). Relative file locations inside it are made absolute against
// the template's folder, so the stored config does not depend on where it was created from.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { absoluteLocation } from './artifacts.ts';
import { parseLimaConfig } from './config.ts';
import type { LimaConfig } from './config.ts';

export const catalogDir = fileURLToPath(new URL('../../../assets/templates/', import.meta.url));

export interface LoadedTemplate {
  config: LimaConfig;
  warnings: string[];
  source: string;
}

function templatePath(ref: string): string {
  if (ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml')) return path.resolve(ref);
  return path.join(catalogDir, `${ref.replace(/^template:(\/\/)?/, '')}.yaml`);
}

export async function loadTemplate(ref: string): Promise<LoadedTemplate> {
  const source = templatePath(ref);
  let text: string;
  try {
    text = await fs.readFile(source, 'utf8');
  } catch {
    throw new DriverError('NOT_FOUND', `template "${ref}" not found (looked at ${source}); give a lima.yaml file or a catalog name`, { template: ref });
  }
  const { config, warnings } = parseLimaConfig(text, source);
  const baseDir = path.dirname(source);
  const absolute = <T extends { location: string }>(file: T): T => ({ ...file, location: absoluteLocation(file.location, baseDir) });
  const images = config.images.map((image) => ({
    ...absolute(image),
    ...(image.kernel ? { kernel: absolute(image.kernel) } : {}),
    ...(image.initrd ? { initrd: absolute(image.initrd) } : {}),
  }));
  return { config: { ...config, images }, warnings, source };
}
