// esbuild plugins and banners shared by the bundles of scripts/build-electron.ts (the desktop app)
// and scripts/build-cli.ts (the `corral` command, its drivers and host agent).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Plugin } from 'esbuild';

// CommonJS packages inside an ESM bundle still call require() for Node built-ins.
export const requireShim = "import { createRequire as __corralCreateRequire } from 'node:module'; const require = __corralCreateRequire(import.meta.url);";

/**
 * Sources find files beside them with `new URL('../../../assets/...', import.meta.url)`. In a
 * bundle import.meta.url is the bundle's, so each source's import.meta.url is replaced by its
 * own location, expressed relative to the bundle: `dist/electron/` -> `../../src-main/...`.
 * The same holds inside app.asar, which keeps the repository's layout (assets/ included).
 */
export function sourceLocations(root: string, bundleDir: string): Plugin {
  return {
    name: 'source-locations',
    setup(builder) {
      builder.onLoad({ filter: /\.tsx?$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await fs.readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const relative = path.relative(root, args.path).split(path.sep).join('/');
        const up = path.relative(bundleDir, root).split(path.sep).join('/');
        const own = `new URL(${JSON.stringify(`${up}/${relative}`)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', own), loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
      });
    },
  };
}

/**
 * ssh2 (the Terminal tab's SSH client) tries optional native addons for speed, each require()
 * inside a try: its crypto binding and `cpu-features`. A packaged app ships no node_modules and
 * a .node file cannot be bundled, so each resolves to a module that throws, and ssh2 uses its
 * pure-JS crypto, as it does wherever the addons did not build.
 */
export function noNativeAddons(): Plugin {
  return {
    name: 'no-native-addons',
    setup(builder) {
      builder.onResolve({ filter: /(\.node$)|(^cpu-features$)/ }, (args) => ({ path: args.path, namespace: 'no-native-addon' }));
      builder.onLoad({ filter: /.*/, namespace: 'no-native-addon' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`${args.path} is a native addon, not bundled; the pure-JS fallback is used`)});`,
        loader: 'js',
      }));
    },
  };
}
