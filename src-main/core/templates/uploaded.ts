// Templates the web shell uploads ("From file…" in a browser tab, which cannot name a file on
// the engine's disk): the bytes are checked (size, UTF-8, a template that loads, no file named
// relative to where it was) and kept under CORRAL_HOME/uploads/templates/DIGEST/NAME, where
// create reads them like any template file. Nothing is kept from an upload that fails.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { loadTemplate } from './load.ts';
import type { TemplateOptions } from './load.ts';

/** A lima.yaml is a few KiB; Lima's own longest, all comments, is under 40 KiB. */
export const templateUploadLimit = 256 * 1024;

/** Where uploads are kept, one folder per content digest (uploaded-prune.ts removes unused ones). */
export function uploadedTemplatesDir(home: string): string {
  return path.join(home, 'uploads', 'templates');
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml$/;

/** Reads a request body up to the limit; a longer one is refused as soon as it passes it. */
export async function readLimited(body: AsyncIterable<Buffer>, limit = templateUploadLimit): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      throw new DriverError('INVALID_CONFIG', `the template file is over ${limit / 1024} KiB; a lima.yaml is a few KiB, so check that this is the right file`, { reason: 'too-large', limit });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Keeps an uploaded template once it loads; answers with the path create can use. */
export async function saveUploadedTemplate(home: string, name: string | null, bytes: Buffer, options: TemplateOptions): Promise<string> {
  if (!name || !namePattern.test(name)) {
    throw new DriverError('INVALID_CONFIG', `"${name ?? ''}" is not a template file name; pick a .yaml or .yml file (letters, digits, ".", "_" and "-")`, { field: 'file' });
  }
  if (bytes.length === 0) throw new DriverError('INVALID_CONFIG', `${name} is empty; pick a lima.yaml template`, { field: 'file' });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DriverError('INVALID_CONFIG', `${name} is not a text file; pick a lima.yaml template`, { field: 'file' });
  }
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  const folder = path.join(uploadedTemplatesDir(home), digest);
  const staging = `${folder}.tmp-${process.pid}-${Date.now()}`;
  await fs.mkdir(staging, { recursive: true });
  try {
    const file = path.join(staging, name);
    await fs.writeFile(file, text, { flush: true });
    const { config } = await loadTemplate(file, options);
    // Loading resolves relative locations against the file's folder: any now inside staging was relative.
    const relative = stringsIn(config).find((value) => value.startsWith(staging + path.sep));
    if (relative !== undefined) {
      throw new DriverError('INVALID_CONFIG', `${name} names its file "${path.relative(staging, relative)}" relative to where the template was, which an upload cannot bring along; use an absolute path or an http(s) address`, { field: 'file' });
    }
    await fs.rm(folder, { recursive: true, force: true }); // the same bytes again: one copy
    await fs.rename(staging, folder);
    return path.join(folder, name);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/** Every string in a loaded config, at any depth. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}
