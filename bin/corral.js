#!/usr/bin/env node
// The `corral` command. It runs the bundle (dist/cli/corral.js, `npm run build:cli`) while that
// is up to date with the sources: plain JavaScript, no TypeScript to strip, so any Node from 20
// runs it, and faster. Otherwise it runs the TypeScript sources, which need Node 22.18+: an
// older `node` first on PATH (Node 20 on many machines) re-runs this file with the project's
// own Node (node_modules/.bin/node, from the `node` dev dependency) or says what to do.
// This file stays plain JavaScript that any Node can parse.
// Only what every command needs is loaded here: each further built-in costs start-up time.
// node:fs by require(): an ES import of it builds its ES module view by reading every export,
// and the ReadStream getter loads all of Node's streams (about 7 ms, for every command).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const { existsSync, readFileSync, statSync } = createRequire(import.meta.url)('node:fs');

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The bundle's record (dist/cli/inputs.json) when the bundle can be run, else why not. Up to
 * date means: every file the build read (scripts/build-cli.ts records each project source with
 * its mtime and size, plus package.json and npm's node_modules/.package-lock.json, which every
 * install rewrites) and every file of code it wrote still has exactly the recorded mtime and
 * size. Any edit, checkout or install changes a time (newer or older, both count), so a
 * developer never runs a stale bundle; a source the bundle does not use cannot make it stale.
 * About 350 stats, kept lean (no path.join, no exception for a missing file): they are most of
 * what `corral --help` costs beyond Node's own start. CORRAL_FROM_SOURCES=1 skips it.
 */
function readBundleRecord() {
  if (process.env.CORRAL_FROM_SOURCES) return { problem: 'CORRAL_FROM_SOURCES is set' };
  let record;
  try {
    record = JSON.parse(readFileSync(join(root, 'dist', 'cli', 'inputs.json'), 'utf8'));
  } catch {
    return { problem: 'not built (npm run build:cli)' };
  }
  if (!Array.isArray(record?.inputs) || !Array.isArray(record?.outputs)) return { problem: 'its input record is unreadable' };
  for (const entry of [...record.inputs, ...record.outputs]) {
    if (!Array.isArray(entry)) return { problem: 'its input record is unreadable' };
    const [file, mtimeMs, size] = entry;
    let stat;
    try {
      stat = statSync(root + file, { throwIfNoEntry: false }); // root ends with a separator
    } catch {
      // not a folder on the way, or not readable: gone as far as this check can tell
    }
    if (!stat) return { problem: `${file} is gone` };
    if (stat.mtimeMs !== mtimeMs || stat.size !== size) return { problem: `${file} changed since the build` };
  }
  return { record };
}

/**
 * Node's compile cache keeps compiled code between runs, in the user's own cache folder (not a
 * shared temp one: cached code is trusted), for this process and, through the variable, the
 * drivers and host agent it starts (sandboxed drivers get a clean environment). Node 22.1+.
 * Each build clears this folder (scripts/build-cli.ts): its chunks' names change.
 */
async function enableCompileCache() {
  const [{ enableCompileCache: enable }, { homedir }] = await Promise.all([import('node:module'), import('node:os')]);
  process.env.NODE_COMPILE_CACHE ??= join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'corral', 'node-compile-cache');
  enable?.(process.env.NODE_COMPILE_CACHE);
}

/** Re-runs this file with the project's Node, passing signals on and its exit status back. */
async function rerunWithProjectNode() {
  const projectNode = join(root, 'node_modules', '.bin', 'node');
  // CORRAL_REEXEC: the project's Node turned out too old as well; say so rather than loop.
  if (!existsSync(projectNode) || process.env.CORRAL_REEXEC) {
    process.stderr.write(`corral needs Node 22.18 or newer (found v${process.versions.node}); run it through npm run corral or node_modules/.bin/node\n`);
    process.exit(1);
  }
  const [{ spawn }, { constants }] = await Promise.all([import('node:child_process'), import('node:os')]);
  const child = spawn(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CORRAL_REEXEC: '1' },
  });
  // Ctrl-C reaches the whole foreground group, the child included: wait for it to end. A signal
  // sent to this process alone is passed on, so the child is never left behind.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.once('error', (error) => {
    process.stderr.write(`corral: cannot run ${projectNode}: ${error.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
}

/**
 * Ends the process as soon as the command's answer is out. Once main() returns nothing is left
 * to do for the user: the engine has closed (drivers told to end; each also ends with its IPC
 * channel), and a VM and its host agent are detached on purpose. Waiting for the event loop to
 * drain would only wait for those processes' exits. stdout and stderr are flushed first.
 */
async function exitWith(code) {
  const flushed = (stream) => new Promise((resolve) => {
    try {
      stream.write('', () => resolve());
    } catch {
      resolve(); // a closed pipe: nothing more can be written to it anyway
    }
  });
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/**
 * Runs the command from `entry` (the bundle's or the sources' src-main/corral.ts). A command that
 * asks an instance's driver first forks that driver (cli/prefork.ts), before the CLI's own code
 * loads: the driver's Node then starts while the CLI's does, and a start reaches QEMU sooner.
 * The early process is ended when the command ends, unless the engine took it. `preforks`: false
 * when no word of the command line is one of the bundle's prefork commands (its record names
 * them), so `list` does not load prefork.js.
 */
async function runCorral(entry, preforkEntry, argv, preforks = true) {
  await enableCompileCache(); // first: the driver inherits NODE_COMPILE_CACHE
  const early = preforks ? await (await import(preforkEntry)).preforkFromArgv(argv) : undefined;
  const { main } = await import(entry);
  let code;
  try {
    code = await main(argv, Promise.resolve(early));
  } finally {
    early?.dispose();
  }
  await exitWith(code);
}

/**
 * `corral list` and `corral shell NAME` answered from live facts by dist/cli/quick.js
 * (cli/quick-entry.ts), one file: the CLI's chunks are about 28 modules for Node to resolve and
 * link, a third of what a list cost. False when the CLI must run the command after all.
 */
async function runQuick(entry, argv) {
  await enableCompileCache();
  const code = await (await import(entry)).quickFromArgv(argv);
  if (code === undefined) return false;
  await exitWith(code);
  return true;
}

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const { problem, record } = major >= 20 ? readBundleRecord() : { problem: `Node v${process.versions.node} is older than 20` };
// For tests and for "why is corral slow?": which one runs, and why.
if (process.env.CORRAL_SHOW_ENTRY) process.stderr.write(`corral: running ${problem ? `the sources (bundle: ${problem})` : 'dist/cli/corral.js'}\n`);
const argv = process.argv.slice(2);
if (!problem && typeof record.help === 'string' && argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
  // The bundle's usage text, which the build kept in its record: no need to load the CLI for it.
  process.stdout.write(record.help);
} else if (!problem) {
  const bundled = (file) => pathToFileURL(join(root, 'dist', 'cli', file)).href;
  const quick = Array.isArray(record.quickCommands) && argv.some((arg) => record.quickCommands.includes(arg));
  if (!quick || !(await runQuick(bundled('quick.js'), argv))) {
    const preforks = !Array.isArray(record.preforkCommands) || argv.some((arg) => record.preforkCommands.includes(arg));
    await runCorral(bundled('corral.js'), bundled('prefork.js'), argv, preforks);
  }
} else if (major < 22 || (major === 22 && minor < 18)) {
  await rerunWithProjectNode();
} else {
  await runCorral(new URL('../src-main/corral.ts', import.meta.url).href, new URL('../src-main/cli/prefork.ts', import.meta.url).href, argv);
}
