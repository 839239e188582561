// bin/corral.js and the CLI bundle (scripts/build-cli.ts): a fresh bundle is what runs, with no
// TypeScript loaded, on the project's Node and on Node 20 (/usr/bin/node here), its drivers and
// host agent bundled too; a bundle older than one of its sources is never run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { lockCliBundle } from './support/cli-bundle-lock.ts';
import { repoRoot, tempDir, writeTemplate } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const oldNode = '/usr/bin/node';
const bundleLine = 'corral: running dist/cli/corral.js\n';

// Node reports every module it loads to these hooks (module.registerHooks, Node 22.15+): each
// .ts file loaded is named on stderr, so "no TypeScript parsed" is checked, not assumed.
const reportTypeScript = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ load(url, context, next) { if (url.endsWith('.ts')) process.stderr.write('loaded TypeScript ' + url + '\\n'); return next(url, context); } });",
)}`;

// Each file of the bundle Node loads, named on stderr in order.
const reportBundle = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ load(url, context, next) { if (url.includes('/dist/cli/')) process.stderr.write('loaded ' + url.slice(url.lastIndexOf('/') + 1) + '\\n'); return next(url, context); } });",
)}`;

interface Run { code: number; stdout: string; stderr: string }

async function run(node: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return promisify(execFile)(node, args, { env: { ...process.env, CORRAL_SHOW_ENTRY: '1', CORRAL_FROM_SOURCES: '', CORRAL_REEXEC: '', ...env } })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }));
}

describe('the CLI bundle', () => {
  let root: string;
  let home: string;
  // Held from the first build to the end: these checks rebuild the bundle and change its record and sources' times.
  let releaseBundle: (() => Promise<void>) | undefined;
  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    releaseBundle = await lockCliBundle();
    const build = await run(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.ts')]);
    assert.equal(build.code, 0, build.stderr);
  });
  after(async () => {
    await releaseBundle?.();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('is what bin/corral.js runs while it is up to date: no TypeScript loaded', async () => {
    const help = await run(process.execPath, ['--import', reportTypeScript, bin, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: corral/);
    assert.equal(help.stderr, bundleLine);
    const list = await run(process.execPath, ['--import', reportTypeScript, bin, '--home', home, 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stderr, bundleLine);
  });

  it('prints --help from its record without loading the CLI, the same text the CLI prints', async () => {
    const help = await run(process.execPath, ['--import', reportBundle, bin, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.equal(help.stderr, bundleLine, 'no file of the bundle loaded');
    const fromCli = await run(process.execPath, [bin]); // no command: the CLI prints its usage (status 2)
    assert.equal(fromCli.code, 2, fromCli.stderr);
    assert.equal(help.stdout, fromCli.stdout);
  });

  it('answers list from quick.js alone, and leaves what it cannot answer to the CLI', async () => {
    // Answered from live facts: one file of the bundle, no chunk of the CLI, no prefork.js.
    const list = await run(process.execPath, ['--import', reportBundle, bin, '--home', home, 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^No instances\./);
    assert.deepEqual([...list.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]), ['quick.js']);
    // A usage error is the CLI's to report: quick.js declines it, and corral.js says what was wrong.
    const wrong = await run(process.execPath, ['--import', reportBundle, bin, '--home', home, 'list', '--bogus']);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /^loaded quick\.js$/m);
    assert.match(wrong.stderr, /^loaded corral\.js$/m);
    assert.match(wrong.stderr, /--bogus/);
  });

  it('runs on Node 20, its driver process too, without re-running itself on the project\'s Node', async () => {
    const version = (await run(oldNode, ['--version'])).stdout.trim();
    assert.match(version, /^v20\./, `${oldNode} is the Node 20 this checks`);
    const help = await run(oldNode, [bin, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: corral/);
    assert.equal(help.stderr, bundleLine, 'one run, from the bundle (a re-run would print this line twice, the second from the sources)');
    const template = await writeTemplate(root);
    const create = await run(oldNode, [bin, '--home', home, 'create', 'old-node', '--template', template]);
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /^Created old-node \(qemu/);
    const list = await run(oldNode, [bin, '--home', home, 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { name: string; state: string }[]).map((i) => [i.name, i.state]), [['old-node', 'Stopped']]);
    // `driver list` shakes hands with the QEMU driver: a process of Node 20 running drivers/qemu.js.
    const drivers = await run(oldNode, [bin, '--home', home, 'driver', 'list']);
    assert.equal(drivers.code, 0, drivers.stderr);
    assert.match(drivers.stdout, /^qemu\s+\S+\s+built in\s+yes\s+lifecycle/m);
    const log = await fs.readFile(path.join(home, 'logs', 'qemu.log'), 'utf8').catch(() => '');
    assert.doesNotMatch(log, /SyntaxError|ERR_UNKNOWN_FILE_EXTENSION/, 'the driver loaded');
  });

  it('forks an instance\'s driver from one file, before it loads any chunk of the CLI', async () => {
    // Each file of the bundle Node loads, in order. bin/corral.js imports prefork.js, which forks
    // the driver, then corral.js: nothing of the bundle may load in between (each module costs
    // several ms before the fork on a loaded machine). Uses old-node, made by the case above.
    // A stop of a stopped instance: the driver is asked (so forked early), and says it is not running.
    const stop = await run(process.execPath, ['--import', reportBundle, bin, '--home', home, 'stop', 'old-node']);
    assert.match(stop.stderr, /^corral: instance "old-node" is not running$/m);
    const loaded = [...stop.stderr.matchAll(/^loaded (\S+)$/gm)].map((m) => m[1]);
    const prefork = loaded.indexOf('prefork.js');
    assert.ok(prefork >= 0, `prefork.js was loaded: ${loaded.join(' ')}`);
    assert.equal(loaded[prefork + 1], 'corral.js', `loaded right after prefork.js: ${loaded.slice(prefork + 1, prefork + 6).join(' ')}`);
  });

  it('lists an instance without loading node:crypto or node:child_process (about 7 and 4 ms of a list)', async () => {
    // The facts record keeps lima.yaml's text, so nothing is hashed, and the bundle requires
    // node:crypto on a first call only; child_process is required by shell's code alone, when
    // it runs. Uses old-node, made by the case on Node 20.
    const reportBuiltins = `data:text/javascript,${encodeURIComponent(
      "process.on('exit', () => { for (const name of ['crypto', 'child_process']) process.stderr.write('node:' + name + ' loaded: ' + process.moduleLoadList.includes('NativeModule ' + name) + '\\n'); });",
    )}`;
    const list = await run(process.execPath, ['--import', reportBuiltins, bin, '--home', home, 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^old-node\s+Stopped\s/m);
    assert.match(list.stderr, /^node:crypto loaded: false$/m);
    assert.match(list.stderr, /^node:child_process loaded: false$/m);
  });

  it('keeps compiled code in the user\'s cache folder, and each build clears it', async () => {
    // The chunks' names change with each build: their cached code would otherwise stay forever.
    const env = { XDG_CACHE_HOME: path.join(root, 'xdg-cache'), NODE_COMPILE_CACHE: undefined };
    const cache = path.join(root, 'xdg-cache', 'corral', 'node-compile-cache');
    const entries = async () => (await fs.readdir(cache, { recursive: true }).catch(() => [])).length;
    assert.equal((await run(process.execPath, [bin, '--home', home, 'list'], env)).code, 0);
    assert.ok(await entries() > 0, 'a list filled the cache');
    assert.equal((await run(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.ts')], env)).code, 0);
    assert.equal(await entries(), 0, 'the build cleared it');
    assert.equal((await run(process.execPath, [bin, '--home', home, 'list'], env)).code, 0);
    assert.ok(await entries() > 0, 'the next list filled it again');
  });

  it('is not run once one of its sources changed, and is again after a build', async () => {
    const source = path.join(repoRoot, 'src-main', 'cli', 'format.ts');
    const { atime, mtime } = await fs.stat(source);
    try {
      // An editor's save: a new modification time (the content does not matter to the check).
      await fs.utimes(source, atime, new Date(mtime.getTime() + 1000));
      const stale = await run(process.execPath, ['--import', reportTypeScript, bin, '--help']);
      assert.equal(stale.code, 0, stale.stderr);
      assert.match(stale.stderr, /^corral: running the sources \(bundle: src-main\/cli\/format\.ts changed since the build\)\n/);
      assert.match(stale.stderr, /loaded TypeScript file:.*\/src-main\/corral\.ts/);
      // A time before the build (a checkout of an older file) is no more the recorded one.
      await fs.utimes(source, atime, new Date(mtime.getTime() - 60_000));
      assert.match((await run(process.execPath, [bin, '--help'])).stderr, /running the sources/);
    } finally {
      // JavaScript cannot set a time to the nanosecond: the time is put back and the bundle rebuilt.
      await fs.utimes(source, atime, mtime);
      const build = await run(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.ts')]);
      assert.equal(build.code, 0, build.stderr);
    }
    assert.equal((await run(process.execPath, [bin, '--help'])).stderr, bundleLine);
  });

  it('is not run when it is missing a file it wrote', async () => {
    const record = path.join(repoRoot, 'dist', 'cli', 'inputs.json');
    const saved = await fs.readFile(record, 'utf8');
    const parsed = JSON.parse(saved) as { outputs: [string, number, number][] };
    parsed.outputs.push(['dist/cli/drivers/gone.js', 0, 0]);
    await fs.writeFile(record, JSON.stringify(parsed));
    try {
      assert.match((await run(process.execPath, [bin, '--help'])).stderr, /^corral: running the sources \(bundle: dist\/cli\/drivers\/gone\.js is gone\)/);
    } finally {
      await fs.writeFile(record, saved);
    }
  });
});
