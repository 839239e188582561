// Installed bundles inside a real Engine: a bundle installed, upgraded, disabled or removed
// shows in the driver list at once (no restart), an instance runs on it, changes that would
// pull a driver from under a running instance are refused unless forced, and a bundle file
// dropped into a drivers folder is installed when the engine starts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir, writeTemplate } from '../../../../e2e/support/temp.ts';
import { Engine } from '../../engine.ts';
import { sha256 } from './pack.ts';
import { craftBundle, draftManifest, packExampleBundle } from './test-support/bundles.ts';

let root: string;
let bundle: string;
let upgrade: string;
const engines: Engine[] = [];

function engineAt(home: string, extra: { dropFolders?: string[] } = {}): Engine {
  const engine = new Engine({ home, cache: path.join(root, 'cache'), health: { intervalMs: 0, timeoutMs: 1000 }, ...extra });
  engines.push(engine);
  return engine;
}

before(async () => {
  root = await tempDir('corral-bundles-');
  bundle = await packExampleBundle(root);
  upgrade = await packExampleBundle(root, { version: '0.2.0' });
});

after(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await fs.rm(root, { recursive: true, force: true });
});

describe('driver bundles in the engine', () => {
  test('install, run an instance, upgrade, disable, remove: each visible at once', async () => {
    const home = path.join(root, 'home-1');
    const engine = engineAt(home);
    assert.deepEqual((await engine.listDrivers()).map((d) => d.name), ['qemu']);

    const prompts: string[] = [];
    const installed = await engine.bundles.install(bundle, { confirm: async (p) => { prompts.push(p.text); return true; } });
    assert.equal(installed.version, '0.1.0');
    assert.match(prompts[0] ?? '', /Install driver example 0\.1\.0\?/);
    const example = (await engine.listDrivers()).find((d) => d.name === 'example');
    assert.ok(example, 'the installed driver is listed without a restart');
    assert.deepEqual(example.available, { ok: true });
    assert.equal(example.enabled, true);
    assert.equal(example.sandbox.state, engine.bundles.sandbox.enforced ? 'sandboxed' : 'unsandboxed');

    const template = await writeTemplate(root, { vmType: 'example', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await engine.create('on-example', { template });
    await engine.start('on-example');
    assert.equal((await engine.inspect('on-example')).state, 'Running');

    await assert.rejects(engine.bundles.install(upgrade, { confirm: async () => true }), { code: 'INVALID_STATE', message: /upgrade \(0\.1\.0 to 0\.2\.0\).*on-example/ });
    await assert.rejects(engine.bundles.setEnabled('example', false), { code: 'INVALID_STATE', message: /disable driver example: instances on-example run/ });
    await assert.rejects(engine.bundles.remove('example'), { code: 'INVALID_STATE', message: /remove driver example/ });

    await engine.stop('on-example');
    await engine.bundles.install(upgrade, { confirm: async () => true });
    assert.deepEqual((await engine.bundles.list()).map((d) => `${d.name} ${d.version}`), ['example 0.2.0']);
    await engine.start('on-example'); // the upgraded driver runs the same instance
    await engine.stop('on-example');

    await engine.bundles.setEnabled('example', false);
    const disabled = (await engine.listDrivers()).find((d) => d.name === 'example');
    assert.equal(disabled?.enabled, false);
    assert.match(disabled?.available.ok === false ? disabled.available.reason : '', /disabled; enable it with: corral driver enable example/);
    assert.equal((await engine.inspect('on-example')).state, 'Broken', 'an instance whose driver is off says why it cannot run');
    await engine.bundles.setEnabled('example', true);
    assert.equal((await engine.inspect('on-example')).state, 'Stopped');

    await engine.delete('on-example');
    await engine.bundles.remove('example');
    assert.deepEqual((await engine.listDrivers()).map((d) => d.name), ['qemu']);
    assert.deepEqual(await fs.readdir(path.join(home, 'drivers')), []);
  });

  test('a declined prompt or a refused bundle installs nothing and registers nothing', async () => {
    const home = path.join(root, 'home-2');
    const engine = engineAt(home);
    await assert.rejects(engine.bundles.install(bundle, { confirm: async () => false }), { code: 'PERMISSION_DENIED' });
    const traversal = await craftBundle(path.join(root, 'evil.corral-driver'), { extra: [{ type: 'file', path: '../escape.js', data: Buffer.from('x') }] });
    await assert.rejects(engine.bundles.install(traversal, { confirm: async () => true }), { code: 'INVALID_BUNDLE', message: /evil\.corral-driver refused/ });
    const named = await craftBundle(path.join(root, 'qemu.corral-driver'), { manifest: { ...draftManifest({ name: 'qemu' }), files: { 'main.js': sha256(Buffer.from('x')) } }, files: { 'main.js': 'x' } });
    await assert.rejects(engine.bundles.review(named), { code: 'ALREADY_EXISTS', message: /qemu is the name of a built-in driver/ });
    assert.deepEqual((await engine.listDrivers()).map((d) => d.name), ['qemu']);
    assert.deepEqual(await fs.readdir(path.join(home, 'drivers')).catch(() => []), []);
  });

  test('a bundle dropped into a drivers folder is installed at start; a bad one is reported, not installed', async () => {
    const home = path.join(root, 'home-3');
    const folder = path.join(root, 'dropped');
    await fs.mkdir(folder, { recursive: true });
    await fs.copyFile(bundle, path.join(folder, 'example.corral-driver'));
    await fs.writeFile(path.join(folder, 'broken.corral-driver'), 'not a bundle');
    const engine = engineAt(home, { dropFolders: [folder] });
    assert.ok((await engine.listDrivers()).some((d) => d.name === 'example' && d.enabled));
    const problems = engine.bundles.dropProblems();
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.file, path.join(folder, 'broken.corral-driver'));
    assert.match(problems[0]?.message ?? '', /broken\.corral-driver refused/);
    // A second engine (the app's next start) finds it installed and installs nothing again.
    const again = engineAt(home, { dropFolders: [folder] });
    assert.deepEqual((await again.listDrivers()).map((d) => d.name), ['example', 'qemu']);
    assert.deepEqual(await fs.readdir(path.join(home, 'drivers')), ['example']);
  });
});
