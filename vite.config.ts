// Builds the renderer (src-renderer) into dist/renderer, which `corral serve` serves and the
// Electron shell will load. No dev server setup: the page needs the engine's API and token,
// so it is tried through `corral serve` against a build.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const pageZod = fileURLToPath(new URL('./src-renderer/api/zod-chain.ts', import.meta.url));

/** The pages and dialogs fetched together when the page is idle (ui/deferred.tsx), but the instance page. */
const idleViews = /src-renderer\/features\/(downloads\/DownloadsPage|drivers\/DriversPage|drivers\/TrustDialog|connections\/ConnectionsPage|settings\/SettingsPage|instances\/(CreateDialog|DeleteDialog|ActionDialogs))\.tsx$/;

type ModuleInfo = { importedIds: readonly string[]; isEntry: boolean } | null;
let firstScreen: Set<string> | undefined;

/**
 * The idle views share one chunk: they are fetched together anyway, and one file compresses
 * better than nine small ones. What the first screen loads stays in the entry chunk by name, or
 * the views' chunk would pull it in as their dependency.
 */
function chunkOf(id: string, meta: { getModuleIds(): IterableIterator<string>; getModuleInfo(id: string): ModuleInfo }): string | undefined {
  if (!firstScreen) {
    firstScreen = new Set();
    const pending = [...meta.getModuleIds()].filter((m) => meta.getModuleInfo(m)?.isEntry);
    while (pending.length > 0) {
      const next = pending.pop() ?? '';
      if (firstScreen.has(next)) continue;
      firstScreen.add(next);
      pending.push(...(meta.getModuleInfo(next)?.importedIds ?? []));
    }
  }
  if (firstScreen.has(id)) return 'index';
  return idleViews.test(id) ? 'views' : undefined;
}

export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer/', import.meta.url)),
  base: '/',
  // esbuild compiles the TSX; React's automatic runtime, no Babel plugin needed.
  esbuild: { jsx: 'automatic' },
  // The page's copy of the API schemas is built on zod/mini through the classic chain they are
  // written in (src-renderer/api/zod-chain.ts): about 15 KiB gzip less, the same checks.
  resolve: { alias: [{ find: /^zod$/, replacement: pageZod }] },
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer/', import.meta.url)),
    emptyOutDir: true,
    // One stylesheet, loaded with the page: a deferred chunk's CSS that failed to arrive (the engine
    // restarting) could not be fetched again, as the preloader remembers every file it asked for.
    cssCodeSplit: false,
    target: 'es2023',
    // terser rather than esbuild's minifier: every file together 268.7 KiB gzip instead of 276.0
    // (the first screen 100.2 instead of 101.6), for about 12 s more build (11 s to 22 s here);
    // its second compress pass gives 1.1 KiB of that (bench/ui-bundle.bench.ts).
    minify: 'terser',
    terserOptions: { compress: { passes: 2 } },
    sourcemap: true,
    // One CSP-friendly output: no inline scripts, no modulepreload polyfill injected inline.
    modulePreload: { polyfill: false },
    // React, react-query and xterm together are ~600 kB minified; one chunk is fine for a local app.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      output: { manualChunks: chunkOf },
      onwarn(warning, warn) {
        // react-query's "use client" markers mean nothing without server components.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE' || warning.code === 'SOURCEMAP_ERROR') return;
        warn(warning);
      },
    },
  },
});
