// A sandboxed driver may read only its bundle, the instance folders and the downloads cache.
// Downloaded artifacts are there already; local ones (a template naming /path/to/disk.img) are
// used in place for built-in drivers, so for a sandboxed one the engine puts them in reach:
// a hard link under CORRAL_CACHE/downloads/local/ (a copy where the cache is on another file
// system), keyed by the file's real path, size and mtime so a changed file is staged afresh.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LocalArtifacts } from './artifacts.ts';

/** The same artifacts, each outside `downloadsDir` replaced by its staged copy inside. */
export async function withinReach(artifacts: LocalArtifacts, downloadsDir: string): Promise<LocalArtifacts> {
  const stage = (file: string) => stageFile(file, downloadsDir);
  return {
    image: await stage(artifacts.image),
    ...(artifacts.kernel ? { kernel: { ...artifacts.kernel, path: await stage(artifacts.kernel.path) } } : {}),
    ...(artifacts.initrd ? { initrd: await stage(artifacts.initrd) } : {}),
    ...(artifacts.archive ? { archive: await stage(artifacts.archive) } : {}),
  };
}

async function stageFile(file: string, downloadsDir: string): Promise<string> {
  const real = await fs.realpath(file);
  const root = await fs.realpath(downloadsDir).catch(() => path.resolve(downloadsDir));
  if (real.startsWith(`${root}${path.sep}`)) return file;
  const stat = await fs.stat(real);
  const key = createHash('sha256').update(`${real}\0${stat.size}\0${stat.mtimeMs}`).digest('hex').slice(0, 32);
  const target = path.join(root, 'local', key, path.basename(real));
  if (await fs.access(target).then(() => true, () => false)) return target;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await fs.link(real, temp);
  } catch {
    await fs.copyFile(real, temp, fs.constants.COPYFILE_FICLONE); // another file system: a copy (a reflink where it can)
  }
  await fs.rename(temp, target); // atomic: a half-copied file is never in reach
  return target;
}
