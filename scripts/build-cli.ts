// Bundles the `corral` command with esbuild, so that running it parses no TypeScript and any
// Node from 20 runs it (bin/corral.js runs this bundle while it is up to date, else the sources):
//   dist/cli/corral.js                      the CLI (src-main/corral.ts): its start-up and --help
//   dist/cli/prefork.js                     the early fork of an instance's driver (src-main/cli/prefork.ts), one file
//   dist/cli/quick.js                       `list` and `shell` from live facts (src-main/cli/quick-entry.ts), one file
//   dist/cli/chunk-*.js                     what it imports on demand: the engine and commands, the web shell
//   dist/cli/drivers/qemu.js                the built-in QEMU driver's process entry
//   dist/cli/workers/hostagent.js           the per-instance host agent's process
//   dist/cli/workers/template-parse.js      the template parser's worker thread
//   dist/cli/inputs.json                    what each bundle was built from, for bin/corral.js, and --help's text
// Each file is written to a temporary name and renamed, the input record last: a corral that
// starts during a build reads either the old record (whose bundle files it then finds changed,
// and runs the sources) or the new one with every bundle already in place.
// Usage: node scripts/build-cli.ts
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions, Metafile, OutputFile } from 'esbuild';
import { noNativeAddons, requireShim, sourceLocations } from './esbuild-plugins.ts';
import { builtinsByRequire } from './builtins-by-require.ts';
import { noTestSupport } from './no-test-support.ts';
import { zodEnglishOnly } from './zod-english-only.ts';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'dist', 'cli');

// Node 20.0 to 20.10 has no import.meta.filename/dirname: the banner supplies them for every Node.
const fileBanner = "import { fileURLToPath as __corralFileURLToPath } from 'node:url'; const __corralFile = __corralFileURLToPath(import.meta.url); const __corralDir = __corralFileURLToPath(new URL('.', import.meta.url));";

function bundle(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [path.join(root, entry)],
    outfile: path.join(out, outfile),
    ...common(path.dirname(path.join(out, outfile))),
  };
}

function common(bundleDir: string): BuildOptions {
  return {
    bundle: true,
    write: false,
    metafile: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: `${requireShim} ${fileBanner}` },
    // CommonJS packages read __dirname at load (ssh2's agent.js), which an ES module lacks.
    define: { 'import.meta.filename': '__corralFile', 'import.meta.dirname': '__corralDir', __dirname: '__corralDir' },
    plugins: [noTestSupport(), noNativeAddons(), builtinsByRequire(), zodEnglishOnly(), sourceLocations(root, bundleDir)],
  };
}

// The CLI is split where its sources import on demand (`await import(...)`), so `corral --help`
// loads only the argument parser. Chunks sit beside corral.js: a module's import.meta.filename
// (core/bundled-entry.ts, templates/parse.ts) is then in the same folder, whichever chunk holds it.
const cli: BuildOptions = {
  ...common(out),
  entryPoints: { corral: path.join(root, 'src-main/corral.ts') },
  outdir: out,
  splitting: true,
  chunkNames: 'chunk-[hash]',
};

const builds = await Promise.all([
  build(cli),
  // What bin/corral.js runs before the CLI loads, as one file of its own (its few small modules
  // copied, not shared as chunks): each module Node resolves and links costs several ms on a
  // loaded machine, and every one of them used to come before the driver's fork.
  build(bundle('src-main/cli/prefork.ts', 'prefork.js')),
  // What bin/corral.js tries first for `list` and `shell`, one file too: resolving and linking
  // the CLI's chunks it would need (28 of them) was a third of a list's time.
  build(bundle('src-main/cli/quick-entry.ts', 'quick.js')),
  build(bundle('src-drivers/qemu/main.ts', 'drivers/qemu.js')),
  build(bundle('src-main/core/hostagent/main.ts', 'workers/hostagent.js')),
  build(bundle('src-main/core/templates/parse-worker.ts', 'workers/template-parse.js')),
]);

async function writeAtomically(file: string, contents: Uint8Array | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, contents);
  await fs.rename(temporary, file);
}

const outputs: OutputFile[] = builds.flatMap((result) => result.outputFiles ?? []);
await Promise.all(outputs.map((file) => writeAtomically(file.path, file.contents)));

/** A file as bin/corral.js compares it: path from the root, mtime and size as stat gives them. */
async function fingerprint(relative: string): Promise<[string, number, number]> {
  const stat = await fs.stat(path.join(root, relative));
  return [relative, stat.mtimeMs, stat.size];
}

// The project's own sources each bundle read (metafile paths are relative to the working
// directory), this script and its plugins, and npm's record of node_modules, which every
// install rewrites: package files are not listed one by one (thousands of stats per command).
const metafiles: Metafile[] = builds.flatMap((result) => (result.metafile ? [result.metafile] : []));
const sources = new Set(metafiles.flatMap((metafile) => Object.keys(metafile.inputs))
  .filter((input) => !/^[a-z-]+:/.test(input)) // a plugin's made-up module (no-native-addon:...), not a file
  .map((input) => path.relative(root, path.resolve(input)))
  .filter((input) => !input.split(path.sep).includes('node_modules')));
for (const extra of ['scripts/build-cli.ts', 'scripts/esbuild-plugins.ts', 'scripts/builtins-by-require.ts', 'scripts/no-test-support.ts', 'scripts/zod-english-only.ts', 'package.json', 'node_modules/.package-lock.json']) sources.add(extra);
// Source maps are left out: they change no code that runs, and are a sixth of the files to stat.
const code = outputs.filter((file) => !file.path.endsWith('.map'));
const record = {
  note: 'written by scripts/build-cli.ts; bin/corral.js runs dist/cli/corral.js only while every file here is unchanged',
  inputs: await Promise.all([...sources].sort().map(fingerprint)),
  outputs: await Promise.all(code.map((file) => fingerprint(path.relative(root, file.path)))),
  // What the bundle just written prints for `corral --help`: bin/corral.js prints it from here.
  help: execFileSync(process.execPath, [path.join(out, 'corral.js'), '--help'], { encoding: 'utf8' }),
  // The commands quick.js may answer: bin/corral.js loads it for no other.
  quickCommands: [...(await import(pathToFileURL(path.join(out, 'quick.js')).href) as { quickCommands: ReadonlySet<string> }).quickCommands],
  // The commands for which prefork.js may fork a driver: bin/corral.js loads it for no other.
  preforkCommands: [...(await import(pathToFileURL(path.join(out, 'prefork.js')).href) as { driverCommands: ReadonlySet<string> }).driverCommands],
};
await writeAtomically(path.join(out, 'inputs.json'), `${JSON.stringify(record)}\n`);

// Chunks of earlier builds (their names hold their content's hash): no longer referenced.
const written = new Set(outputs.map((file) => path.basename(file.path)));
for (const name of await fs.readdir(out)) {
  if (name.startsWith('chunk-') && !written.has(name)) await fs.rm(path.join(out, name), { force: true });
}

// Node's compile cache (bin/corral.js puts it in this folder unless NODE_COMPILE_CACHE names
// another) keeps one entry per file path it compiled, and chunk names change with each build:
// entries for the chunks just removed would stay forever (42 MB seen). The next runs refill it.
// A folder the user named is theirs, not cleared.
const compileCache = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'corral', 'node-compile-cache');
await fs.rm(compileCache, { recursive: true, force: true });
