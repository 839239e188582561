// A guest whose image, kernel, initrd and nerdctl archive are served over HTTP on 127.0.0.1:
// `corral start` shows the downloads reaching 100 %, then the guest boots and proves, from its
// cidata disk, that the user-data and the archive arrived intact.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ConsoleText, readyMarker, testGuest, writeGuestTemplate } from './support/guest.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('downloads and guest bootstrap', () => {
  let root: string;
  let home: string;
  let server: http.Server;
  let base: string;
  const requests: string[] = [];
  const archive = randomBytes(3 * 1024 * 1024 + 17);

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    const guest = await testGuest();
    const files: Record<string, string> = { '/disk.raw': 'disk.raw', '/vmlinuz': 'vmlinuz', '/initrd.img': 'initrd.img' };
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/nerdctl-full.tar.gz') return void res.end(archive);
      const file = files[req.url ?? ''];
      if (!file) return void res.writeHead(404).end();
      void fs.readFile(path.join(guest, file)).then((data) => res.writeHead(200, { 'content-length': data.length }).end(data));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const name of ['fetched', 'late-archive']) {
      await promisify(execFile)(process.execPath, [bin, '--home', home, 'delete', '--force', name], { env: { ...process.env, CORRAL_CACHE: path.join(root, 'cache') } }).catch(() => undefined);
    }
    server.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('shows progress to 100 %, boots, and the guest sees its user-data and archive intact', async () => {
    const template = await writeGuestTemplate(root, {
      containerd: { system: true, user: false, archives: [{ location: `${base}/nerdctl-full.tar.gz`, arch: 'x86_64', digest: `sha256:${sha256(archive)}` }] },
    }, base);
    const env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache') };
    const corral = (args: string[]) => promisify(execFile)(process.execPath, [bin, '--home', home, ...args], { env });

    await corral(['create', 'fetched', '--template', template]);
    assert.deepEqual(requests, [], 'create downloads nothing: the files are fetched when it starts');
    const { stdout, stderr } = await corral(['start', 'fetched', '--no-wait']);
    assert.match(stdout, /Started fetched/);
    // Without a terminal: one line per artifact, once it is done, naming the work it took.
    const progress = stderr.trim().split('\n').map((line) => (JSON.parse(line) as { progress: { artifact: string; phase: string; bytes: number; total: number | null; work: string[] } }).progress);
    assert.deepEqual(progress.map((p) => p.artifact).sort(), ['archive', 'image', 'initrd', 'kernel']);
    for (const done of progress) {
      assert.equal(done.phase, 'done');
      assert.ok(done.work.includes('download'), `the ${done.artifact} line says it was downloaded`);
    }
    assert.deepEqual([...new Set(requests)].sort(), ['/disk.raw', '/initrd.img', '/nerdctl-full.tar.gz', '/vmlinuz']);

    const console = spawn(process.execPath, [bin, '--home', home, 'console', 'fetched'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const text = new ConsoleText();
    console.stdout.on('data', (chunk: Buffer) => text.push(chunk));
    await text.waitFor(readyMarker);
    console.stdin.end();
    // What the engine wrote, read back by an independent ISO reader, is what the guest saw.
    const extracted = path.join(root, 'user-data');
    await promisify(execFile)('xorriso', ['-osirrox', 'on', '-indev', path.join(home, 'instances', 'fetched', 'cidata.iso'), '-extract', '/user-data', extracted]);
    const userData = await fs.readFile(extracted);
    assert.match(userData.toString(), /^#cloud-config/);
    assert.match(text.text, new RegExp(`CORRAL-CIDATA-USERDATA ${sha256(userData)}`), 'the user-data reached the guest intact');
    assert.match(text.text, new RegExp(`CORRAL-CIDATA-ARCHIVE ${sha256(archive)}`), 'the archive reached the guest intact');
    assert.match(text.text, /CORRAL-CIDATA-FILES \S+ .*user-data/);

    requests.length = 0;
    await corral(['stop', '--force', 'fetched']);
    const again = await corral(['start', 'fetched', '--no-wait']);
    assert.deepEqual(requests, [], 'a second start uses the cache');
    assert.equal(again.stderr, '', 'and, without a terminal, says nothing about files already there');

    const listed = JSON.parse((await corral(['cache', 'list', '--json'])).stdout) as { url: string; usedBy: string[] }[];
    assert.equal(listed.length, 4);
    assert.ok(listed.every((e) => e.usedBy.includes('fetched')));
    assert.match((await corral(['cache', 'prune'])).stdout, /Removed 0 entries .* kept 4 in use/, 'the disk of an instance is layered on its image: never pruned');
    await corral(['delete', '--force', 'fetched']);
    assert.match((await corral(['cache', 'prune'])).stdout, /Removed 4 entries/);
    assert.deepEqual(JSON.parse((await corral(['cache', 'list', '--json'])).stdout), []);
  });

  it('creates offline: the nerdctl archive is fetched at the first start, not at create', async () => {
    const env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache-archive') };
    const corral = (args: string[]) => promisify(execFile)(process.execPath, [bin, '--home', home, ...args], { env });
    // No containerd: section: Lima's default (user: true, the archive on GitHub, which this machine cannot reach).
    const defaults = path.join(root, 'defaults');
    await fs.mkdir(defaults);
    const plain = await writeGuestTemplate(defaults);
    await fs.writeFile(plain, (await fs.readFile(plain, 'utf8')).replace(/^containerd: .*\n/m, ''));
    assert.doesNotMatch(await fs.readFile(plain, 'utf8'), /containerd/);
    await corral(['create', 'offline', '--template', plain]);
    assert.deepEqual(JSON.parse((await corral(['cache', 'list', '--json'])).stdout), [], 'create fetched nothing');
    await corral(['delete', 'offline']);

    const served = path.join(root, 'served-archive');
    await fs.mkdir(served);
    const template = await writeGuestTemplate(served, {
      containerd: { system: true, user: false, archives: [{ location: `${base}/nerdctl-full.tar.gz`, arch: 'x86_64', digest: `sha256:${sha256(archive)}` }] },
    });
    requests.length = 0;
    await corral(['create', 'late-archive', '--template', template]);
    assert.deepEqual(requests, [], 'create does not fetch the archive');
    await corral(['start', 'late-archive', '--no-wait']);
    assert.deepEqual(requests, ['/nerdctl-full.tar.gz'], 'the first start fetches it');
    await corral(['delete', '--force', 'late-archive']);
  });
});
