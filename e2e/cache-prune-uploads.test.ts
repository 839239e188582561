// Template uploads (the web shell's "Upload file…", kept in CORRAL_HOME/uploads/templates) are
// listed and pruned with the download cache, by its rules: `corral cache prune` removes the
// ones no instance uses, an older-than cut-off keeps newer ones, an upload an instance's
// config names is kept, and a staging folder is removed only when its upload's process is gone.
// (Create and clone copy the config into the instance, so only a config that names a file
// inside an upload's folder keeps it.) An upload less than an hour old is kept: the create
// dialog that uploaded it may still show its path.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../src-main/core/engine.ts';
import { saveUploadedTemplate, uploadedTemplatesDir } from '../src-main/core/templates/uploaded.ts';
import { runToEnd } from './support/processes.ts';
import { corralBin } from './support/serve.ts';
import { tempDir } from './support/temp.ts';

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);

describe('template uploads in the cache', () => {
  let root: string;
  let home: string;
  let engine: Engine;
  const env = { ...process.env };
  const upload = async (name: string, text: string) => saveUploadedTemplate(home, name, Buffer.from(text), { vmTypes: ['qemu'] });

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    env.CORRAL_CACHE = path.join(root, 'cache');
    engine = new Engine({ home, cache: env.CORRAL_CACHE });
  });
  after(async () => {
    await engine?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('lists each upload with when it came and that no instance uses it', async () => {
    const image = path.join(root, 'image.raw');
    await fs.writeFile(image, 'not really a disk');
    const old = await upload('old.yaml', `images:\n  - location: ${image}\n`);
    await fs.utimes(old, hoursAgo(3), hoursAgo(3)); // past the grace period: prune rules apply
    const listed = await engine.listCache();
    assert.deepEqual(listed.map((e) => [e.kind, path.basename(e.path), e.usedBy]), [['template-upload', 'old.yaml', []]]);
    const cli = await runToEnd(process.execPath, [corralBin, '--home', home, 'cache', 'list'], { env });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /uploads\/templates\/[0-9a-f]{32}\/old\.yaml\n/);
  });

  it('prunes by the cache rules: older than the cut-off, not in use, not being written', async () => {
    const [old] = await engine.listCache();
    assert.ok(old);
    const cutoff = new Date(old.time.getTime() + 1);
    // The same time for the newer upload, whatever the file system's clock granularity.
    const fresh = await upload('fresh.yaml', 'images:\n  - location: https://example.org/fresh.img\n');
    await fs.utimes(fresh, new Date(cutoff.getTime() + 60_000), new Date(cutoff.getTime() + 60_000));
    // An upload whose config names a file inside another upload's folder: that one is in use.
    const named = await upload('named.yaml', 'images:\n  - location: https://example.org/named.img\n');
    await fs.utimes(named, new Date(0), new Date(0));
    const user = await upload('user.yaml', `images:\n  - location: ${named}\ncontainerd: {system: false, user: false}\n`);
    await fs.utimes(user, new Date(cutoff.getTime() + 60_000), new Date(cutoff.getTime() + 60_000));
    await engine.create('user', { template: user });
    // Staging of an upload still being written (this process), and of a killed one (no such pid).
    const root = uploadedTemplatesDir(home);
    const writing = path.join(root, `${'a'.repeat(32)}.tmp-${process.pid}-1`);
    const killed = path.join(root, `${'b'.repeat(32)}.tmp-999999999-1`);
    for (const dir of [writing, killed]) await fs.mkdir(dir);

    const firstPrune = await engine.pruneCache({ olderThan: cutoff });
    assert.deepEqual(firstPrune.removed.map((e) => path.basename(e.path)).sort(), ['old.yaml']);
    assert.deepEqual(firstPrune.inUse.map((e) => [path.basename(e.path), (e as { usedBy?: string[] }).usedBy]), [['named.yaml', ['user']]]);
    assert.equal(firstPrune.skipped, 0, 'an upload being written is no entry');
    await assert.rejects(fs.stat(killed), { code: 'ENOENT' });
    await fs.stat(writing);
    await assert.rejects(fs.stat(path.dirname(old.path)), { code: 'ENOENT' });

    const cli = await runToEnd(process.execPath, [corralBin, '--home', home, 'cache', 'prune'], { env });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^Removed 2 entries \(\d+ B\); kept 1 in use\.$/m);
    const left = (await engine.listCache()).map((e) => [path.basename(e.path), e.usedBy]);
    assert.deepEqual(left, [['named.yaml', ['user']]]);
    assert.equal((await engine.inspect('user')).state, 'Stopped', 'the instance made from a pruned upload keeps its own config');
    await engine.delete('user');
    await fs.rm(writing, { recursive: true });
  });

  it('keeps an upload newer than an hour, so the create dialog showing it still creates', async () => {
    const dialog = await upload('dialog.yaml', 'images:\n  - location: https://example.org/dialog.img\ncontainerd: {system: false, user: false}\n');
    const pruned = await runToEnd(process.execPath, [corralBin, '--home', home, 'cache', 'prune'], { env });
    assert.equal(pruned.code, 0, pruned.stderr);
    await fs.access(dialog);
    await engine.create('from-dialog', { template: dialog });
    await engine.delete('from-dialog');
    await fs.utimes(dialog, hoursAgo(2), hoursAgo(2)); // the dialog is long gone: prune rules apply again
    const later = await engine.pruneCache();
    assert.deepEqual(later.removed.map((e) => path.basename(e.path)), ['dialog.yaml']);
  });
});
