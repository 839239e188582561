// Template uploads (uploaded.ts) listed and pruned with the download cache, by its rules: what
// no instance uses goes, only what is older than the cut-off when one is given. An instance
// keeps its own copy of the config, so it uses an upload only if that config names a file
// inside the upload's folder. Staging folders of uploads still being written (by this or
// another live process) are left; those of a killed upload go. An upload less than an hour
// old is kept whatever the rules say, and so is one a create dialog holds (upload-lease.ts) for
// as long as it holds it: the dialog shows its path until the user presses Create, and a prune
// in between (from the Cache view, the CLI) made that create fail.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { uploadedTemplatesDir } from './uploaded.ts';
import { dropLease, heldUntil } from './upload-lease.ts';

export interface UploadedTemplate {
  /** file:// URL of the kept file: the cache view names entries by URL. */
  url: string;
  path: string;
  size: number;
  /** When it was uploaded. */
  time: Date;
  usedBy: string[];
  /** Until when a create dialog's lease holds it, if one does now. */
  heldUntil?: Date | undefined;
}

/** How long a new upload is kept from prune: longer than a create dialog stays open, in practice. */
const uploadGraceMs = 60 * 60 * 1000;

/** Until when prune keeps an unused upload because it is new or a dialog holds it; undefined when prune's rules apply to it. */
export function keptUntil(upload: UploadedTemplate, now = Date.now()): Date | undefined {
  const ends = Math.max(upload.time.getTime() + uploadGraceMs, upload.heldUntil?.getTime() ?? 0);
  return upload.usedBy.length === 0 && ends > now ? new Date(ends) : undefined;
}

export interface UploadPruneResult {
  removed: UploadedTemplate[];
  freedBytes: number;
  inUse: UploadedTemplate[];
  /** Staging folders left because their upload is still being written. */
  skipped: number;
  /** Unused uploads kept because they are newer than the grace period or a create dialog holds them. */
  recent: UploadedTemplate[];
}

/** An instance's name and every string its config holds (paths among them). */
export interface InstanceStrings {
  name: string;
  strings: string[];
}

const stagingPattern = /^[0-9a-f]{32}\.tmp-(\d+)-\d+$/;
const digestPattern = /^[0-9a-f]{32}$/;

export async function listUploadedTemplates(home: string, instances: InstanceStrings[]): Promise<UploadedTemplate[]> {
  const root = uploadedTemplatesDir(home);
  const listed: UploadedTemplate[] = [];
  for (const digest of await entries(root)) {
    if (!digestPattern.test(digest)) continue;
    const folder = path.join(root, digest);
    for (const name of await entries(folder)) {
      const file = path.join(folder, name);
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat?.isFile()) continue;
      const usedBy = instances.filter((i) => i.strings.some((s) => s.startsWith(folder + path.sep))).map((i) => i.name);
      listed.push({ url: pathToFileURL(file).href, path: file, size: stat.size, time: stat.mtime, usedBy, heldUntil: await heldUntil(home, digest) });
    }
  }
  return listed.sort((a, b) => a.time.getTime() - b.time.getTime());
}

export async function pruneUploadedTemplates(home: string, instances: InstanceStrings[], options: { olderThan?: Date | undefined } = {}): Promise<UploadPruneResult> {
  const cutoff = options.olderThan?.getTime() ?? Number.POSITIVE_INFINITY;
  const result: UploadPruneResult = { removed: [], freedBytes: 0, inUse: [], skipped: 0, recent: [] };
  for (const upload of await listUploadedTemplates(home, instances)) {
    if (upload.time.getTime() >= cutoff) continue;
    if (upload.usedBy.length > 0) { result.inUse.push(upload); continue; }
    if (keptUntil(upload)) { result.recent.push(upload); continue; }
    await fs.rm(path.dirname(upload.path), { recursive: true, force: true });
    await dropLease(home, path.basename(path.dirname(upload.path)));
    result.removed.push(upload);
    result.freedBytes += upload.size;
  }
  const root = uploadedTemplatesDir(home);
  for (const name of await entries(root)) {
    const pid = stagingPattern.exec(name)?.[1];
    if (pid === undefined) continue;
    if (alive(Number(pid))) { result.skipped++; continue; }
    await fs.rm(path.join(root, name), { recursive: true, force: true });
  }
  return result;
}

async function entries(dir: string): Promise<string[]> {
  return fs.readdir(dir).catch(() => []);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
