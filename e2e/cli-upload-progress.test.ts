// A driver's own upload in `corral create`'s output, as a user (or a script reading stderr)
// sees it: an installed, sandboxed bundle (e2e/fixtures/drivers/uploading-driver.ts) sends the
// image at create, and the CLI prints one progress line for that work, like a download's.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralRunner, installFixtureBundle } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { tempDir, writeTemplate } from './support/temp.ts';

const imageBytes = 3 * 1024 * 1024;

describe('corral create with a driver that uploads', () => {
  let root: string;
  let home: string;
  let corral: CorralRunner;

  before(async () => {
    root = await tempDir('corral-cli-upload-');
    home = path.join(root, 'home');
    corral = corralRunner(home, path.join(root, 'cache'));
    await installFixtureBundle(corral, root, { fixture: 'uploading-driver.ts', name: 'uploader', description: 'test driver that uploads its image at create', network: false });
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
