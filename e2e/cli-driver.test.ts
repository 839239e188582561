// `corral driver ...` as a user runs it, each command its own process: pack a bundle, see the
// trust prompt, approve with --yes (a pipe cannot answer), run an instance on the driver, and
// disable, enable and remove it, with one-line errors when something is refused.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { repoRoot, tempDir, writeTemplate } from './support/temp.ts';

describe('corral driver', () => {
  let root: string;
  let home: string;
  let source: string;
  let corral: CorralRunner;

  async function ok(args: string[]): Promise<{ stdout: string; stderr: string }> {
    const result = await corral(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} failed: ${result.stderr}`);
    return result;
  }

  before(async () => {
    root = await tempDir('corral-cli-driver-');
    home = path.join(root, 'home');
    corral = corralRunner(home, path.join(root, 'cache'));
    // The SDK example as its author would lay it out for `corral driver pack`.
    source = path.join(root, 'example');
    await build({ entryPoints: [path.join(repoRoot, 'src-drivers/example/main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: path.join(source, 'main.mjs'), logLevel: 'silent' });
    await fs.copyFile(path.join(repoRoot, 'src-drivers/example/manifest.json'), path.join(source, 'manifest.json'));
  });

  after(async () => {
    await corral(['delete', '--force', 'vm1']);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('packs, asks before installing, installs with --yes, runs an instance, then disables, enables and removes', async () => {
    const bundle = path.join(root, 'example.corral-driver');
    assert.match((await ok(['driver', 'pack', source, '--out', bundle])).stdout, /Packed example 0\.1\.0 \(1 files, unsigned\) into .*example\.corral-driver/);

    // Without a terminal and without --yes: the prompt is shown, nothing is installed.
    const refused = await corral(['driver', 'install', bundle]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Install driver example 0\.1\.0\?/);
    assert.match(refused.stderr, /UNSIGNED: nobody vouches for this bundle/);
    assert.match(refused.stderr, /run:\s+nothing/);
    assert.match(refused.stderr, /corral: installing driver example needs your approval: .*--yes/);
    assert.doesNotMatch((await ok(['driver', 'list'])).stdout, /example/);

    const installed = await ok(['driver', 'install', bundle, '--yes']);
    assert.match(installed.stdout, /Installed driver example 0\.1\.0 \((sandboxed|UNSANDBOXED)\)\./);
    const list = (await ok(['driver', 'list'])).stdout;
    assert.match(list, /^example\s+0\.1\.0\s+(sandboxed|UNSANDBOXED \(.+\))\s+yes\s+lifecycle, pause/m);
    assert.match(list, /^qemu\s+\S+\s+built in\s+yes/m);

    const template = await writeTemplate(root, { vmType: 'example', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await ok(['create', 'vm1', '--template', template]);
    await ok(['start', 'vm1', '--no-wait']);
    const busy = await corral(['driver', 'remove', 'example']);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /^corral: cannot remove driver example: instances vm1 run on it; stop them first, or force it\n$/);
    await ok(['stop', 'vm1']);

    await ok(['driver', 'disable', 'example']);
    assert.match((await ok(['driver', 'list'])).stdout, /^example\s+0\.1\.0\s+\S+.*no: disabled; enable it with: corral driver enable example/m);
    const off = await corral(['start', 'vm1', '--no-wait']);
    assert.equal(off.code, 1);
    assert.match(off.stderr, /driver "example" is not installed/);
    await ok(['driver', 'enable', 'example']);
    await ok(['start', 'vm1', '--no-wait']);
    await ok(['stop', 'vm1']);
    await ok(['delete', 'vm1']);
    await ok(['driver', 'remove', 'example']);
    assert.doesNotMatch((await ok(['driver', 'list'])).stdout, /example/);
  });

  it('refuses a bad bundle in one line, naming the check, and writes nothing', async () => {
    const bad = path.join(root, 'bad.corral-driver');
    await fs.writeFile(bad, 'not a bundle at all');
    const result = await corral(['driver', 'install', bad, '--yes']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^corral: driver bundle bad\.corral-driver refused: /m);
    assert.deepEqual(await fs.readdir(path.join(home, 'drivers')).catch(() => []), []);
  });
});
