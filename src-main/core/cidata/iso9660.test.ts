// The ISO writer, checked by independent readers: xorriso (Debian package `xorriso`) in each
// of its three ways of reading names (Rock Ridge, Joliet, plain ISO 9660), and blkid
// (util-linux) for the label, the way cloud-init finds the disk.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { level1Names, writeCidataIso, writeIso9660 } from './index.ts';
import type { IsoEntry } from './index.ts';

const run = promisify(execFile);

/** Runs xorriso; its messages go to stderr, its listings to stdout: both are returned. */
async function xorriso(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('xorriso', args, { maxBuffer: 16 * 1024 * 1024 });
    // xorriso reads on past structural problems, only saying so: any complaint fails the test.
    assert.doesNotMatch(stderr, /: (WARNING|SORRY|FAILURE|FATAL) :/);
    return stdout + stderr;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('xorriso is missing: apt-get install xorriso', { cause: error });
    throw error;
  }
}

/** The names xorriso lists in the root; `mode` picks the tree it reads (any = Rock Ridge first). */
async function listNames(iso: string, mode: 'any' | 'norock' | 'ecma119'): Promise<string[]> {
  const out = await xorriso('-read_fs', mode, '-indev', iso, '-lsl', '/');
  return [...out.matchAll(/^[-d][rwx-]{9}\s.*'([^']+)'$/gm)].map((m) => m[1] ?? '').sort();
}

async function extract(iso: string, mode: 'any' | 'norock', into: string): Promise<void> {
  await xorriso('-read_fs', mode, '-osirrox', 'on', '-indev', iso, '-extract', '/', into);
}

describe('ISO 9660 writer', () => {
  let dir: string;
  before(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-iso-')); });
  after(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  test('xorriso reads back every file byte for byte, by Rock Ridge and by Joliet names', async () => {
    const big = path.join(dir, 'big.bin');
    await fs.writeFile(big, randomBytes(6 * 1024 * 1024 + 7)); // multi-MiB, odd size, streamed from disk
    const contents: Record<string, Buffer> = {
      'user-data': Buffer.from('#cloud-config\nhostname: demo\n'),
      'meta-data': Buffer.from('instance-id: iid-demo\n'),
      'network-config': randomBytes(2048), // exactly one sector
      'empty': Buffer.alloc(0),
      'sector-and-one': randomBytes(2049),
      'sector-less-one': randomBytes(2047),
      'A-Mixed.Case_name.tar.gz': randomBytes(1_048_577), // from memory
    };
    const entries: IsoEntry[] = [
      ...Object.entries(contents).map(([name, data]) => ({ name, data })),
      { name: 'nerdctl-full.tgz', data: { path: big } },
    ];
    const iso = path.join(dir, 'cidata.iso');
    await writeCidataIso(iso, entries);

    const names = entries.map((e) => e.name).sort();
    assert.deepEqual(await listNames(iso, 'any'), names);
    assert.deepEqual(await listNames(iso, 'norock'), names);
    // Plain ISO 9660: unique 8.3 upper-case names (xorriso drops the ";1" version).
    assert.deepEqual(await listNames(iso, 'ecma119'), level1Names(entries.map((e) => e.name)).map((n) => n.replace(/\.?;1$/, '')).sort());

    const expected = { ...contents, 'nerdctl-full.tgz': await fs.readFile(big) };
    for (const mode of ['any', 'norock'] as const) {
      const out = path.join(dir, `out-${mode}`);
      await extract(iso, mode, out);
      for (const [name, data] of Object.entries(expected)) {
        assert.ok((await fs.readFile(path.join(out, name))).equals(data), `${name} differs (${mode})`);
      }
      await fs.chmod(out, 0o755); // xorriso restores the root's read-only mode
    }
    const stat = await fs.stat(iso);
    const pvd = await xorriso('-indev', iso, '-pvd_info');
    assert.match(pvd, new RegExp(`Media summary: 1 session, ${stat.size / 2048} data blocks`), 'the volume size is the file size');
    assert.match(pvd, /^Volume Id\s*:\s*cidata$/m);
    const { stdout } = await run('blkid', ['-o', 'export', iso]);
    assert.match(stdout, /^LABEL=cidata$/m);
    assert.match(stdout, /^TYPE=iso9660$/m);
  });

  test('a root folder spanning several sectors keeps every name', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ name: `file-with-a-long-name-number-${String(i).padStart(3, '0')}.data`, data: Buffer.from(`${i}\n`) }));
    const iso = path.join(dir, 'many.iso');
    await writeIso9660(iso, entries, { volumeLabel: 'many' });
    const names = entries.map((e) => e.name).sort();
    assert.deepEqual(await listNames(iso, 'any'), names);
    assert.deepEqual(await listNames(iso, 'norock'), names);
    assert.equal(new Set(await listNames(iso, 'ecma119')).size, entries.length);
  });

  test('a small image is padded to 300 KiB, as genisoimage and xorriso pad theirs', async () => {
    const iso = path.join(dir, 'small.iso');
    await writeCidataIso(iso, [{ name: 'meta-data', data: Buffer.from('instance-id: x\n') }]);
    const { size } = await fs.stat(iso);
    assert.ok(size >= 300 * 1024 && size < 400 * 1024, `${size} bytes`);
    const { stdout } = await run('blkid', ['-o', 'value', '-s', 'LABEL', iso]);
    assert.equal(stdout.trim(), 'cidata');
  });

  test('the same input and date give the same bytes', async () => {
    const entries = [{ name: 'user-data', data: Buffer.from('x') }];
    const date = new Date('2025-01-02T03:04:05Z');
    await writeCidataIso(path.join(dir, 'a.iso'), entries, { date });
    await writeCidataIso(path.join(dir, 'b.iso'), entries, { date });
    assert.ok((await fs.readFile(path.join(dir, 'a.iso'))).equals(await fs.readFile(path.join(dir, 'b.iso'))));
  });

  test('a failed write leaves the previous image and no temp file', async () => {
    const sub = await fs.mkdtemp(path.join(dir, 'atomic-'));
    const iso = path.join(sub, 'cidata.iso');
    await writeCidataIso(iso, [{ name: 'user-data', data: Buffer.from('old') }]);
    const before = await fs.readFile(iso);
    await assert.rejects(
      writeCidataIso(iso, [{ name: 'user-data', data: Buffer.from('new') }, { name: 'nerdctl-full.tgz', data: { path: path.join(sub, 'missing') } }]),
      (error: unknown) => error instanceof DriverError && error.code === 'NOT_FOUND',
    );
    assert.ok((await fs.readFile(iso)).equals(before));
    assert.deepEqual(await fs.readdir(sub), ['cidata.iso']);
  });

  test('names and labels the image cannot carry are refused', async () => {
    const iso = path.join(dir, 'bad.iso');
    const invalid = (error: unknown) => error instanceof DriverError && error.code === 'INVALID_CONFIG';
    for (const name of ['', 'a/b', '.hidden', 'x'.repeat(61), 'semi;colon']) {
      await assert.rejects(writeCidataIso(iso, [{ name, data: Buffer.alloc(1) }]), invalid, name);
    }
    await assert.rejects(writeCidataIso(iso, [{ name: 'a', data: Buffer.alloc(1) }, { name: 'a', data: Buffer.alloc(1) }]), invalid);
    await assert.rejects(writeIso9660(iso, [], { volumeLabel: 'has space' }), invalid);
    await assert.rejects(fs.stat(iso), { code: 'ENOENT' });
  });

  test('level-1 names are 8.3, upper case and unique', () => {
    assert.deepEqual(level1Names(['user-data', 'user-database', 'nerdctl-full.tgz', 'noext']), ['USER_DAT.;1', 'USER_DA1.;1', 'NERDCTL_.TGZ;1', 'NOEXT.;1']);
  });
});
