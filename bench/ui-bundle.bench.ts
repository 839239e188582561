// What the renderer build is made of, by package (source-map-explorer style): for every shipped
// chunk, each byte of the minified code is attributed through the source map to the file it came
// from, files are grouped by package (node_modules/<pkg>, or the repo folder), and each group's
// code is gzipped on its own. Separate gzips sum to more than the chunks' real gzip (each loses
// the others' shared dictionary), so the real total is printed too. Run after `npm run build:renderer`.
import fs from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SourceMapConsumer } from 'source-map-js';
import type { RawSourceMap } from 'source-map-js';
import { rendererDir } from '../e2e/ui/renderer-build.ts';
import { shippedFiles } from '../e2e/ui/renderer-files.ts';

/** The package a source belongs to: `zod`, `@xterm/xterm`, or a repo folder such as `src-renderer/features`. */
export function packageOf(source: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (inModules?.[1]) return inModules[1];
  const repo = /(src-[^/]+\/[^/]+)/.exec(source);
  return repo?.[1] ?? 'other';
}

/** Each package's code in one chunk, as the text the chunk holds for it. */
function attribute(code: string, map: RawSourceMap, within?: string): Map<string, string> {
  const lines = code.split('\n');
  const consumer = new SourceMapConsumer(map);
  const parts = new Map<string, string[]>();
  const mappings: { line: number; column: number; source: string | null }[] = [];
  consumer.eachMapping((m) => mappings.push({ line: m.generatedLine, column: m.generatedColumn, source: m.source }));
  mappings.sort((a, b) => a.line - b.line || a.column - b.column);
  mappings.forEach((m, i) => {
    const next = mappings[i + 1];
    const text = lines[m.line - 1] ?? '';
    const end = next && next.line === m.line ? next.column : text.length;
    const pkg = m.source ? packageOf(m.source) : 'unmapped';
    const owner = within === undefined ? pkg : pkg === within && m.source ? m.source.replace(/^.*node_modules\//, '') : '';
    if (owner === '') return;
    const list = parts.get(owner) ?? [];
    list.push(text.slice(m.column, end));
    parts.set(owner, list);
  });
  return new Map([...parts].map(([owner, list]) => [owner, list.join('')]));
}

/** By package, or with `within`, by file of that package. */
export async function composition(dir: string, within?: string): Promise<{ owner: string; raw: number; gzip: number; chunks: string[] }[]> {
  const byOwner = new Map<string, { code: string[]; chunks: Set<string> }>();
  for (const file of (await shippedFiles(dir)).filter((f) => f.file.endsWith('.js'))) {
    const code = await fs.readFile(path.join(dir, file.file), 'utf8');
    const map = JSON.parse(await fs.readFile(path.join(dir, `${file.file}.map`), 'utf8')) as RawSourceMap;
    for (const [owner, text] of attribute(code, map, within)) {
      const entry = byOwner.get(owner) ?? { code: [], chunks: new Set<string>() };
      entry.code.push(text);
      entry.chunks.add(path.basename(file.file).replace(/-[\w-]{8}\.js$/, ''));
      byOwner.set(owner, entry);
    }
  }
  return [...byOwner].map(([owner, { code, chunks }]) => {
    const joined = Buffer.from(code.join('\n'));
    return { owner, raw: joined.length, gzip: gzipSync(joined, { level: 9 }).length, chunks: [...chunks] };
  }).sort((a, b) => b.gzip - a.gzip);
}

// Arguments: [dist folder] [package to break down by file].
if (import.meta.main) {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const dir = process.argv[2] ?? rendererDir;
  const rows = await composition(dir, process.argv[3]);
  console.log('| package or folder | minified | gzip alone | chunks |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.owner} | ${kib(r.raw)} | ${kib(r.gzip)} | ${r.chunks.join(', ')} |`);
  const shipped = await shippedFiles(dir);
  console.log(`\nshipped files together: ${kib(shipped.reduce((s, f) => s + f.gzip, 0))} gzip -9 (${shipped.length} files)`);
  for (const f of shipped.sort((a, b) => b.gzip - a.gzip)) console.log(`  ${f.file} ${kib(f.gzip)}`);
}
