// Bundles the Electron shell with esbuild (renderer: `npm run build:renderer`, Vite):
//   dist/electron/main.js      the main process, ESM, every package bundled in
//   dist/electron/preload.cjs  the sandboxed preload: ONE CommonJS file requiring only 'electron'
//   dist/drivers/qemu.js       the QEMU driver's entry for a utility process (no .ts there)
//   dist/electron/workers/template-parse.js   the template parser's worker thread (templates/parse.ts)
//   dist/electron/workers/hostagent.js        the per-instance host agent's process (core/hostagent/)
// Usage: node scripts/build-electron.ts [--out DIR]   (DIR defaults to ./dist)
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { noNativeAddons, requireShim, sourceLocations } from './esbuild-plugins.ts';
import { builtinsByRequire } from './builtins-by-require.ts';
import { noTestSupport } from './no-test-support.ts';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(root, 'dist') } } });
const out = path.resolve(values.out ?? 'dist');

const common = { bundle: true, sourcemap: true, logLevel: 'warning', legalComments: 'none' } as const;

const [main] = await Promise.all([
  build({
    ...common,
    metafile: true, // what the bundle still imports at run time, for e2e/electron/bundle.test.ts
    entryPoints: [path.join(root, 'src-main/electron/main.ts')],
    outfile: path.join(out, 'electron/main.js'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['electron'],
    banner: { js: requireShim },
    // CommonJS packages read __dirname at load (ssh2's agent.js), which an ES module lacks.
    define: { __dirname: 'import.meta.dirname' },
    plugins: [noTestSupport(), noNativeAddons(), builtinsByRequire(), sourceLocations(root, path.join(root, 'dist/electron'))],
  }),
  build({
    ...common,
    entryPoints: [path.join(root, 'src-main/electron/preload.ts')],
    outfile: path.join(out, 'electron/preload.cjs'),
    // 'browser': a Node built-in slipping into the preload fails the build, not the window.
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
    minify: true, // loaded by every page load; the sourcemap keeps it debuggable
    external: ['electron'],
    plugins: [noTestSupport()],
  }),
  build({
    ...common,
    entryPoints: [path.join(root, 'src-drivers/qemu/main.ts')],
    outfile: path.join(out, 'drivers/qemu.js'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: requireShim },
    plugins: [noTestSupport(), sourceLocations(root, path.join(root, 'dist/drivers'))],
  }),
  build({
    ...common,
    entryPoints: [path.join(root, 'src-main/core/templates/parse-worker.ts')],
    outfile: path.join(out, 'electron/workers/template-parse.js'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: requireShim },
    plugins: [sourceLocations(root, path.join(root, 'dist/electron/workers'))],
  }),
  // The host agent (src-main/core/hostagent/): a detached process the engine starts per running
  // instance, Electron's binary run as Node. Beside the worker: unpacked, ESM.
  build({
    ...common,
    entryPoints: [path.join(root, 'src-main/core/hostagent/main.ts')],
    outfile: path.join(out, 'electron/workers/hostagent.js'),
    platform: 'node',
    format: 'esm',
    target: 'node22',
    banner: { js: requireShim },
    plugins: [noTestSupport(), sourceLocations(root, path.join(root, 'dist/electron/workers'))],
  }),
]);

await fs.writeFile(path.join(out, 'electron/main.meta.json'), JSON.stringify(main.metafile));

// Unpacked from app.asar, the driver bundles (and the template parser's worker) sit outside the app's package.json: say ESM here.
await fs.writeFile(path.join(out, 'drivers/package.json'), `${JSON.stringify({ type: 'module' })}\n`);
await fs.writeFile(path.join(out, 'electron/workers/package.json'), `${JSON.stringify({ type: 'module' })}\n`);
