// The Electron bundles (scripts/build-electron.ts), built into a temp folder: the sandboxed
// preload must be one CommonJS file whose only require is 'electron', the main bundle may
// import only 'electron' and Node built-ins, and the QEMU driver bundle must really answer
// a handshake when the engine runs it as a process. No bundle holds test support, and a
// build that reaches some fails, naming it.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { noTestSupport, testSupportPath } from '../../scripts/no-test-support.ts';
import { Engine } from '../../src-main/core/engine.ts';
import { repoRoot, tempDir } from '../support/temp.ts';

const run = promisify(execFile);

/** Module specifiers a bundle loads at run time: require("x"), import ... from "x", import("x"). */
function loadedModules(code: string): string[] {
  const found = new Set<string>();
  // Static imports only at the start of a line, as esbuild writes them, and a module name never
  // spans lines: otherwise prose in a message ('made from "${name}"', '... forward from") ... "')
  // read as an import.
  for (const pattern of [/\brequire\(\s*["']([^"'\n]+)["']\s*\)/g, /^\s*(?:import|export)\b[^\n]*?\bfrom\s*["']([^"'\n]+)["']/gm, /\bimport\s*\(\s*["']([^"'\n]+)["']\s*\)/g, /^\s*import\s*["']([^"'\n]+)["']/gm]) {
    for (const match of code.matchAll(pattern)) if (match[1]) found.add(match[1]);
  }
  return [...found].sort();
}

const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);

describe('Electron bundles', () => {
  let out: string;

  before(async () => {
    out = await tempDir('corral-bundles-');
    await run(process.execPath, [path.join(repoRoot, 'scripts/build-electron.ts'), '--out', out], { cwd: repoRoot });
  });
  after(() => fs.rm(out, { recursive: true, force: true }));

  it('builds the preload as one CommonJS file that requires only electron', async () => {
    const files = (await fs.readdir(path.join(out, 'electron'))).filter((f) => /\.(c|m)?js$/.test(f));
    assert.deepEqual(files.sort(), ['main.js', 'preload.cjs'], 'no extra chunks');
    const preload = await fs.readFile(path.join(out, 'electron/preload.cjs'), 'utf8');
    assert.deepEqual(loadedModules(preload), ['electron']);
    assert.doesNotMatch(preload, /^\s*(import|export)\s/m, 'no ES module syntax: a sandboxed preload is a script');
    assert.doesNotMatch(preload, /\bimport\s*\(/, 'no dynamic import');
    assert.match(preload, /exposeInMainWorld\(\s*["']corral["']/);
  });

  it('builds main with only electron and Node built-ins left to load', async () => {
    const main = await fs.readFile(path.join(out, 'electron/main.js'), 'utf8');
    // esbuild's own account of what stays external (a regex over the bundle would also match
    // strings inside bundled packages).
    const meta = JSON.parse(await fs.readFile(path.join(out, 'electron/main.meta.json'), 'utf8')) as { outputs: Record<string, { imports: { path: string; external?: boolean }[] }> };
    const imports = Object.entries(meta.outputs).find(([file]) => file.endsWith('main.js'))?.[1].imports ?? [];
    const external = [...new Set(imports.filter((i) => i.external).map((i) => i.path))].filter((spec) => spec !== 'electron' && !isBuiltin(spec));
    assert.deepEqual(external, [], 'every package is bundled: a packaged app ships no node_modules');
    // Sources that find files beside them keep their own locations (assets/templates/...).
    assert.match(main, /new URL\("\.\.\/\.\.\/src-main\/core\/templates\/load\.ts", import\.meta\.url\)/);
  });

  it('builds a QEMU driver bundle that answers the handshake as a process', { timeout: 60_000 }, async () => {
    const code = await fs.readFile(path.join(out, 'drivers/qemu.js'), 'utf8');
    assert.deepEqual(loadedModules(code).filter((spec) => !isBuiltin(spec)), []);
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(out, 'drivers/package.json'), 'utf8')), { type: 'module' });
    const home = await tempDir();
    const engine = new Engine({ home, cache: path.join(home, 'cache'), health: { intervalMs: 0, timeoutMs: 1000 }, builtinDrivers: [{ name: 'qemu', entry: path.join(out, 'drivers/qemu.js') }] });
    try {
      const [qemu] = await engine.listDrivers();
      assert.equal(qemu?.name, 'qemu');
      assert.equal(qemu?.protocol, 1);
      assert.ok(qemu?.capabilities?.console.includes('serial'), JSON.stringify(qemu));
    } finally {
      await engine.close();
      await fs.rm(home, { recursive: true, force: true });
    }
  });

  it('ships no test support: no source of any bundle is in a test-support folder or a test file', async () => {
    for (const bundle of ['electron/main.js', 'electron/preload.cjs', 'drivers/qemu.js']) {
      const map = JSON.parse(await fs.readFile(path.join(out, `${bundle}.map`), 'utf8')) as { sources: string[] };
      // Not vacuous: the map does list the sources (the driver SDK is in main and in the driver).
      if (bundle !== 'electron/preload.cjs') assert.ok(map.sources.some((source) => source.endsWith('src-drivers/sdk/serve.ts') || source.endsWith('src-drivers/sdk/protocol.ts')), `${bundle}: ${map.sources.length} sources`);
      assert.deepEqual(map.sources.filter((source) => testSupportPath.test(source)), [], `${bundle} bundles test support`);
    }
  });

  // Every kind of place test support lives in: the SDK's, a driver's, and the engine's and the
  // Electron shell's (which once lived in testing/ folders and testing*.ts files, unrefused).
  for (const support of ['src-drivers/sdk/test-support/fake-engine.ts', 'src-drivers/qemu/test-support/guest.ts', 'src-main/core/downloads/test-support/server.ts', 'src-main/core/drivers/bundles/test-support/bundles.ts', 'src-main/electron/test-support/bridge.ts']) {
    it(`refuses to build a production bundle that reaches ${support}, naming the file`, async () => {
      const entry = path.join(out, `reaches-${path.basename(support)}`);
      await fs.writeFile(entry, `import * as support from ${JSON.stringify(path.join(repoRoot, support))};\nconsole.log(support);\n`);
      await assert.rejects(
        build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent', plugins: [noTestSupport()], external: ['electron'] }),
        new RegExp(`${support.replaceAll('/', '\\/').replaceAll('.', '\\.')} is test support .* must not be bundled into a production build`),
      );
    });
  }

  it('builds the host agent as one file that runs under plain Node and checks its argument', async () => {
    const file = path.join(out, 'electron/workers/hostagent.js');
    assert.deepEqual(loadedModules(await fs.readFile(file, 'utf8')).filter((spec) => !isBuiltin(spec)), []);
    const ran = spawnSync(process.execPath, [file, '{"dir": 1}'], { encoding: 'utf8' });
    assert.equal(ran.status, 2, ran.stderr);
    assert.match(ran.stderr, /^hostagent: bad arguments: /);
  });

  it('builds the template parser\'s worker beside main, where main looks for it, and it parses', async () => {
    const file = path.join(out, 'electron/workers/template-parse.js');
    assert.deepEqual(loadedModules(await fs.readFile(file, 'utf8')).filter((spec) => !isBuiltin(spec)), []);
    assert.match(await fs.readFile(path.join(out, 'electron/main.js'), 'utf8'), /new URL\("\.\/workers\/template-parse\.js"/);
    // Unpacked from app.asar (electron-builder.yml), it needs its own package.json to be ESM.
    assert.deepEqual(JSON.parse(await fs.readFile(path.join(out, 'electron/workers/package.json'), 'utf8')), { type: 'module' });
    const worker = new Worker(file);
    try {
      const reply = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage({ id: 7, text: 'cpus: 2\nenv:\n  A: x\n', source: 't.yaml' });
      assert.deepEqual(await reply, { id: 7, document: { cpus: 2, env: { A: 'x' } } });
    } finally {
      await worker.terminate();
    }
  });
});
