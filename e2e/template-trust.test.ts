// `corral create` from a template somebody else wrote that names a host file as the guest's
// disk: the command says so on stderr (and still creates it: the user may mean it).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { writeGuestTemplate } from './support/guest.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');

describe('corral create from a template the user did not write', () => {
  let root: string;
  let home: string;

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  it('warns on stderr about the host files it hands to the guest, naming each', async () => {
    const template = await writeGuestTemplate(root);
    await fs.chown(template, 65534, 65534); // as if another user had left it there
    const disk = (await fs.readFile(template, 'utf8')).match(/location: (\S+disk\.raw)/)?.[1] ?? '';
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, '--home', home, 'create', 'tiny', '--template', template], {
      env: { ...process.env, CORRAL_CACHE: path.join(root, 'cache') },
    });
    assert.match(stdout, /tiny/);
    const lines = stderr.trim().split('\n');
    assert.ok(lines.includes(`warning: ${template}: this template belongs to another user (uid 65534) and gives the guest the host file ${disk} as its disk image, which the guest can read; create it only if you trust whoever wrote the template`), stderr);
    assert.ok(lines.some((line) => /host file \S+vmlinuz as its kernel/.test(line)), stderr);
    assert.ok(lines.some((line) => /host file \S+initrd\.img as its initrd/.test(line)), stderr);
  });
});
