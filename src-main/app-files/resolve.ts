// Which file of the built renderer (dist/renderer) a URL path names, for both shells: the web
// shell's static files and the Electron app scheme. The path is split and decoded segment by
// segment *before* any normalisation, so `..`, `%2e%2e`, encoded slashes, backslashes and NUL
// are refused outright instead of being resolved; what is left is joined under the root and
// checked to stay there, symlinks included (realFileUnder).
import fs from 'node:fs/promises';
import path from 'node:path';

/** The file a URL path names inside `root`, or a status to refuse it with. */
export function resolveStatic(root: string, urlPath: string): { file: string } | { status: 400 | 404 } {
  if (!urlPath.startsWith('/')) return { status: 400 };
  const segments: string[] = [];
  for (const raw of urlPath.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { status: 400 };
    }
    if (segment === '..' || segment === '.' || /[/\\\0:]/.test(segment)) return { status: 400 };
    if (segment !== '') segments.push(segment);
  }
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const file = path.resolve(root, relative);
  if (!file.startsWith(path.resolve(root) + path.sep)) return { status: 404 };
  return { file };
}

/**
 * The real path of `file` when it is inside `root` once symlinks are followed, else undefined
 * (a symlink inside the folder must not lead out of it). Rejects when the file does not exist.
 */
export async function realFileUnder(root: string, file: string): Promise<string | undefined> {
  const [real, realRoot] = await Promise.all([fs.realpath(file), fs.realpath(root)]);
  return real.startsWith(realRoot + path.sep) ? real : undefined;
}
