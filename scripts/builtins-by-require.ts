// An esbuild plugin for the Node bundles (scripts/build-cli.ts, scripts/build-electron.ts): an
// ES `import ... from 'node:fs'` (and a few other built-ins) is served by require() instead. Node builds an
// ES module's view of a built-in by reading every export, and some exports are lazy getters
// that load a whole subsystem to answer: node:http's WebSocket loads Node's own undici, fs's
// ReadStream the streams, crypto's webcrypto the Web Crypto API. On this machine that was 50
// to 250 ms of a `corral serve` start, for classes nothing here uses. require() reads none.
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type { Plugin } from 'esbuild';

const require = createRequire(import.meta.url);

// Getters are not named exports (reading one may load a subsystem, or warn that it is
// deprecated): a module reaches them through the default export (`fs.ReadStream`), read when
// used. A named import of one fails the build (no such export), so it is noticed. Except these,
// cheap and imported by name.
const namedGetters = new Set(['promises', 'defaultMaxListeners']);

// Built-ins loaded only when first called: node:crypto costs `corral list` about 7 ms to load,
// for randomBytes and createHash that a list never calls (paths, staging folders, endpoints).
const loadedWhenCalled = new Set(['node:crypto']);

/** A module that requires `name` and re-exports it: default, and each export as a named one. */
function shim(name: string): string {
  const exports = require(name) as Record<string, unknown>;
  const named = Object.entries(Object.getOwnPropertyDescriptors(exports))
    .filter(([key, descriptor]) => (!descriptor.get || namedGetters.has(key)) && /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default')
    .map(([key]) => key);
  return loadedWhenCalled.has(name) ? lazyShim(name, exports, named) : [
    "import { createRequire } from 'node:module';",
    `const builtin = createRequire(import.meta.url)(${JSON.stringify(name)});`,
    'export default builtin;',
    // Pure, so esbuild drops each export no module imports: reading one can cost (node:util's
    // TextDecoder loads the encoding internals, a few ms of every command that parses arguments).
    ...named.map((key) => `export const ${key} = /* @__PURE__ */ (() => builtin.${key})();`),
  ].join('\n');
}

// The built-ins with such getters. Only these: the shim's `export const X` lands in the chunk
// as a top-level binding, and one named like a global the banner uses (url's URL) would shadow it.
const costly = ['fs', 'http', 'crypto', 'net', 'tls', 'util'];
// And node:child_process, which loads net and the streams: an ES import of it sits at the top of
// a one-file bundle and loads with it (quick.js: `corral list`, for the ssh code of `shell`),
// while a require() runs only when the module that asks for it is initialized.
const builtins = new Set([...costly, 'child_process'].flatMap((name) => [name, `node:${name}`]));

export function builtinsByRequire(): Plugin {
  return {
    name: 'builtins-by-require',
    setup(builder) {
      // Only ES imports: a package's require('fs') already is a require().
      builder.onResolve({ filter: /^(node:)?[a-z_]+$/ }, (args) => {
        if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
        if (!builtins.has(args.path)) return undefined;
        const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
        return { path: name, namespace: 'builtins-by-require' };
      });
      builder.onLoad({ filter: /.*/, namespace: 'builtins-by-require' }, (args) => ({ contents: shim(args.path), loader: 'js' }));
    },
  };
}

/**
 * Like shim(), but `name` is required on first use: each function export whose name starts
 * lowercase (a factory such as createHash or randomBytes, never a class) is a wrapper that
 * requires the built-in when called; the default export's properties require it when read.
 * Anything else (classes, constants, a function with its own promisified form) is read on
 * import, as in shim().
 */
function lazyShim(name: string, exports: Record<string, unknown>, named: string[]): string {
  // A wrapper would hide a custom util.promisify (execFile's resolves to stdout and stderr).
  const called = (key: string) => /^[a-z]/.test(key) && typeof exports[key] === 'function'
    && !(promisify.custom in exports[key]);
  return [
    "import { createRequire } from 'node:module';",
    'let loaded;',
    `const builtin = () => (loaded ??= createRequire(import.meta.url)(${JSON.stringify(name)}));`,
    `export default /* @__PURE__ */ Object.defineProperties({}, Object.fromEntries(${JSON.stringify(named)}.map((key) => [key, { get: () => builtin()[key], enumerable: true }])));`,
    ...named.map((key) => (called(key)
      ? `export function ${key}(...args) { return builtin().${key}(...args); }`
      : `export const ${key} = /* @__PURE__ */ (() => builtin().${key})();`)),
  ].join('\n');
}
