// A driver's own upload in `corral create`'s output, as a user (or a script reading stderr)
// sees it: an installed, sandboxed bundle (e2e/fixtures/drivers/uploading-driver.ts) sends the
// image at create, and the CLI prints one progress line for that work, like a download's.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { fixtureDriver, repoRoot, tempDir, writeTemplate } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const imageBytes = 3 * 1024 * 1024;

describe('corral create with a driver that uploads', () => {
  let root: string;
  let home: string;

  async function corral(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, '--home', home, ...args], { env: { ...process.env, CORRAL_CACHE: path.join(root, 'cache') } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  before(async () => {
    root = await tempDir('corral-cli-upload-');
    home = path.join(root, 'home');
    const source = path.join(root, 'uploader');
    await build({ entryPoints: [fixtureDriver('uploading-driver.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: path.join(source, 'main.mjs'), logLevel: 'silent' });
    await fs.writeFile(path.join(source, 'manifest.json'), JSON.stringify({
      name: 'uploader', version: '1.0.0', protocol: 1, entry: 'main.mjs', platforms: ['linux'],
      description: 'test driver that uploads its image at create',
      permissions: { read: [], write: [], exec: [], network: false },
    }));
    const bundle = path.join(root, 'uploader.corral-driver');
    for (const args of [['driver', 'pack', source, '--out', bundle], ['driver', 'install', bundle, '--yes']]) {
      const result = await corral(args);
      assert.equal(result.code, 0, `corral ${args.join(' ')}: ${result.stderr}`);
    }
  });

  after(async () => {
    await corral(['delete', '--force', 'vm1']);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('prints one line for the upload, naming the file, the host and every byte', async () => {
    const template = await writeTemplate(root, { vmType: 'uploader' });
    await fs.writeFile(path.join(root, 'image.raw'), Buffer.alloc(imageBytes, 1));
    const created = await corral(['create', 'vm1', '--template', template]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Created vm1 \(uploader,/);
    const lines = created.stderr.split('\n').filter((line) => line.startsWith('{"progress"'));
    assert.equal(lines.length, 1, created.stderr);
    const { progress } = JSON.parse(lines[0] ?? '') as { progress: Record<string, unknown> };
    assert.equal(progress.instance, 'vm1');
    assert.equal(progress.artifact, 'image');
    assert.equal(progress.phase, 'done');
    assert.equal(progress.uploadTo, 'storage.example.test');
    assert.equal(progress.bytes, imageBytes);
    assert.deepEqual(progress.work, ['upload']);
    assert.match(String(progress.url), /^file:\/\//, 'names the local file it sent');
  });
});
