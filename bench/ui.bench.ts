// The web UI's weight, two lines:
//   1. First contentful paint of the app from `corral serve` (startServer with a real Engine)
//      in Debian's Chromium, against a static HTML page of the same byte size (plain text, no
//      script) served by the same server, same run, pages alternating. No goal is set yet.
//   2. The renderer bundle, gzipped (dist/renderer, built by Vite), against a bare React app
//      (react + react-dom rendering one element) bundled the same way, same run; no goal, the
//      detail names the heaviest packages. Attribution: an esbuild metafile of the same entry
//      (minified, production), whose per-input output bytes are grouped by npm package.
import { build } from 'esbuild';
import type { Metafile } from 'esbuild';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { Engine } from '../src-main/core/engine.ts';
import { startServer } from '../src-main/server/server.ts';
import type { RunningServer } from '../src-main/server/server.ts';
import { repoRoot } from '../e2e/support/temp.ts';
import { launchChromium } from '../e2e/ui/browser.ts';
import { ensureRendererBuilt } from '../e2e/ui/renderer-build.ts';
import { firstScreenFiles, shippedFiles } from '../e2e/ui/renderer-files.ts';
import { median, report } from './stats.ts';

const rounds = Number(process.env.CORRAL_BENCH_ROUNDS ?? 10);

/**
 * The last release's figures, from issue 13: first contentful paint 612 ms against 508 ms for
 * the static page (measured the same way), and 228 KiB of renderer gzip. Absolute times differ
 * between machines, so paint is compared as ratio against ratio; bytes are bytes.
 */
const lastRelease = { paintRatio: 612 / 508, gzipKiB: 228 };

/** A page of `bytes` bytes of plain text: what a browser can paint without running any script. */
function baselinePage(bytes: number): string {
  const head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Baseline</title></head><body><main><h1>Corral</h1>';
  const tail = '</main></body></html>\n';
  const line = '<p>The quick brown fox jumps over the lazy dog, again and again, to fill the page.</p>\n';
  return head + line.repeat(Math.max(1, Math.ceil((bytes - head.length - tail.length) / line.length))) + tail;
}

async function firstContentfulPaint(context: BrowserContext, url: string, ready: string): Promise<number> {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: 'load' });
    await page.locator(ready).first().waitFor({ state: 'attached', timeout: 30_000 });
    // A string: the bench is type-checked without DOM types.
    return await page.evaluate<number>(`new Promise((resolve) => {
      new PerformanceObserver((list, observer) => {
        const entry = list.getEntriesByName('first-contentful-paint')[0];
        if (entry) { observer.disconnect(); resolve(entry.startTime); }
      }).observe({ type: 'paint', buffered: true });
    })`);
  } finally {
    await page.close();
  }
}

async function measurePaint(staticDir: string, work: string): Promise<void> {
  // A copy of the build plus the baseline page, so both are served by one server.
  const served = path.join(work, 'static');
  await fs.cp(staticDir, served, { recursive: true });
  const appBytes = (await shippedFiles(staticDir)).reduce((sum, f) => sum + f.raw, 0);
  await fs.writeFile(path.join(served, 'baseline.html'), baselinePage(appBytes));

  const engine = new Engine({ home: path.join(work, 'home'), cache: path.join(work, 'cache'), health: { intervalMs: 0, timeoutMs: 10_000 } });
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startServer({ engine, port: 0, staticDir: served });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    // Trade the token for the cookie once, so the measured loads are plain GETs (no redirect).
    const first = await context.newPage();
    await first.goto(server.url);
    await first.close();
    const origin = `http://127.0.0.1:${server.port}`;
    const app: number[] = [];
    const base: number[] = [];
    for (let round = 0; round <= rounds; round++) {
      // The app's first paint is React's first render; wait for the list so the page is whole.
      const a = await firstContentfulPaint(context, `${origin}/`, 'main');
      const b = await firstContentfulPaint(context, `${origin}/baseline.html`, 'main');
      if (round > 0) { app.push(a); base.push(b); } // the first pair warms up
    }
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    report('UI first contentful paint vs static page of the same size', median(app) / median(base), 'none set',
      `median ${ms(median(app))} vs ${ms(median(base))} (${(appBytes / 1024).toFixed(0)} KiB each) over ${app.length} loads`);
    const ratio = median(app) / median(base);
    report('UI first contentful paint ratio vs the last release\'s (612 ms / 508 ms static)', ratio / lastRelease.paintRatio, '<= 1.00x',
      `now ${ratio.toFixed(2)}x the static page, then ${lastRelease.paintRatio.toFixed(2)}x`);
  } finally {
    await browser?.close();
    await server?.close();
    await engine.close();
  }
}

/** Output bytes per npm package (or "(app)" for our own sources) from an esbuild metafile. */
function bytesByPackage(metafile: Metafile): Map<string, number> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match?.[1] ?? '(app)';
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return totals;
}

async function esbuildBundle(work: string, name: string, options: { entry: string } | { source: string }): Promise<{ gzip: number; metafile: Metafile }> {
  const outdir = path.join(work, name);
  const result = await build({
    ...('entry' in options ? { entryPoints: [options.entry] } : { stdin: { contents: options.source, loader: 'tsx', resolveDir: repoRoot } }),
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2023',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    // As vite.config.ts does: the page's `zod` is zod-chain on zod/mini.
    plugins: [{ name: 'page-zod', setup: (b) => b.onResolve({ filter: /^zod$/ }, () => ({ path: path.join(repoRoot, 'src-renderer/api/zod-chain.ts') })) }],
    outdir,
    metafile: true,
    logLevel: 'silent',
  });
  const gzip = (await shippedFiles(outdir)).reduce((sum, f) => sum + f.gzip, 0);
  return { gzip, metafile: result.metafile };
}

async function measureBundle(staticDir: string, work: string): Promise<void> {
  const shipped = await shippedFiles(staticDir);
  const dist = { raw: shipped.reduce((s, f) => s + f.raw, 0), gzip: shipped.reduce((s, f) => s + f.gzip, 0) };
  const ours = await esbuildBundle(work, 'app', { entry: path.join(repoRoot, 'src-renderer', 'main.tsx') });
  const bare = await esbuildBundle(work, 'bare', {
    source: "import { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')!).render(<p>hello</p>);\n",
  });
  const byPackage = [...bytesByPackage(ours.metafile)].sort((a, b) => b[1] - a[1]);
  const total = byPackage.reduce((s, [, n]) => s + n, 0);
  const heaviest = byPackage.slice(0, 6).map(([name, n]) => `${name} ${(n / 1024).toFixed(0)} KiB (${((n / total) * 100).toFixed(0)}%)`).join(', ');
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  report('renderer bundle gzip vs the last release (228 KiB)', dist.gzip / 1024 / lastRelease.gzipKiB, '<= 1.00x',
    `dist/renderer ${(dist.gzip / 1024).toFixed(0)} KiB gzip now, ${lastRelease.gzipKiB} KiB then (every chunk, loaded or not)`);
  const first = new Set(await firstScreenFiles(staticDir));
  const firstGzip = shipped.filter((f) => first.has(f.file)).reduce((s, f) => s + f.gzip, 0);
  report('renderer first screen gzip (before its first paint) vs the last release\'s whole bundle (228 KiB)', firstGzip / 1024 / lastRelease.gzipKiB, '<= 1.00x',
    `${kib(firstGzip)} in ${first.size} files (${[...first].join(', ')}); the rest is fetched after the first paint`);
  report('renderer bundle gzip vs bare React app', ours.gzip / bare.gzip, 'context, no goal',
    `dist/renderer ${kib(dist.gzip)} gzip (${kib(dist.raw)} raw, ${shipped.length} files); esbuild of the same entry ${kib(ours.gzip)} vs bare React ${kib(bare.gzip)} gzip; minified by package: ${heaviest}`);
}

export async function run(): Promise<void> {
  const staticDir = await ensureRendererBuilt();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-bench-'));
  try {
    await measurePaint(staticDir, work);
    await measureBundle(staticDir, work);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
