// What the renderer build ships, read from dist/renderer: each file's raw and gzip size, the files
// the first screen loads before it can paint, and the sources a chunk was made from (its source
// map). Shared by the bundle budget spec and bench/ui.bench.ts.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export type ShippedFile = { file: string; raw: number; gzip: number };

/** The shipped files (no source maps) and their raw and gzip sizes. */
export async function shippedFiles(dir: string): Promise<ShippedFile[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile() && !e.name.endsWith('.map')).map((e) => path.join(e.parentPath, e.name));
  return Promise.all(files.map(async (file) => {
    const bytes = await fs.readFile(file);
    return { file: path.relative(dir, file), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }));
}

/**
 * The files the first screen loads before it can paint: what index.html links, and the chunks
 * those import statically (`from"./x.js"`, `import"./x.js"`; a lazy `import("./x.js")` is not followed).
 */
export async function firstScreenFiles(dir: string): Promise<string[]> {
  const html = await fs.readFile(path.join(dir, 'index.html'), 'utf8');
  const pending = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
  const seen = new Set<string>(['index.html']);
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.js')) continue;
    const code = await fs.readFile(path.join(dir, file), 'utf8');
    for (const m of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) pending.push(path.posix.join(path.posix.dirname(file), m[1] ?? ''));
  }
  return [...seen];
}

/** The source files a built chunk was made from, as its source map names them. */
export async function chunkSources(dir: string, file: string): Promise<string[]> {
  const map: unknown = JSON.parse(await fs.readFile(path.join(dir, `${file}.map`), 'utf8'));
  const sources = (map as { sources?: unknown }).sources;
  if (!Array.isArray(sources)) throw new Error(`${file}.map has no sources list`);
  return sources.map(String);
}
