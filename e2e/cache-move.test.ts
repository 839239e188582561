// `corral cache move DIR` with real processes, a real HTTP server on 127.0.0.1 and two file
// systems (the test's temp folder and /dev/shm), so the files are copied, not linked. A move
// killed mid-copy leaves the old cache in use and whole (a fetch with the server gone finds
// its file), and the next engine start removes its partial copy; the next move finishes;
// later starts use the new folder, and the old one is a link to it. Refusals change nothing and say why in one line.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../src-main/core/engine.ts';
import { cacheRecordFile } from '../src-main/core/settings/cache-location.ts';
import { runToEnd } from './support/processes.ts';
import { corralBin } from './support/serve.ts';
import { tempDir } from './support/temp.ts';

const imageBytes = 384 * 1024 * 1024;

describe('corral cache move', () => {
  let root: string;
  let home: string;
  let target: string;
  let files: http.Server;
  let url: string;
  const env = { ...process.env };
  delete env.CORRAL_CACHE;
  const corral = (...args: string[]) => runToEnd(process.execPath, [corralBin, '--home', home, ...args], { env });

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    target = await fs.mkdtemp('/dev/shm/corral-cache-move-');
    await fs.rmdir(target); // a new folder: the move makes it
    const chunk = Buffer.alloc(1024 * 1024, 7);
    files = http.createServer((req, res) => {
      if (req.url !== '/big.img') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': imageBytes });
      let sent = 0;
      const more = (): void => {
        while (sent < imageBytes) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/big.img`;
    const engine = new Engine({ home });
    try {
      await engine.downloads.fetch({ url });
    } finally {
      await engine.close();
    }
    files.close();
  });

  after(async () => {
    files?.close();
    await fs.rm(target, { recursive: true, force: true });
    await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
  });

  /** Where a fetch of the image finds it now, with no server to download from. */
  async function cachedAt(): Promise<string> {
    const engine = new Engine({ home });
    try {
      const result = await engine.downloads.fetch({ url });
      assert.equal(result.source, 'cache');
      assert.equal(result.size, imageBytes);
      return result.path;
    } finally {
      await engine.close();
    }
  }

  it('refuses, changing nothing, a target that is not empty, not writable, inside the cache, or fixed by CORRAL_CACHE', async () => {
    const full = path.join(root, 'full');
    await fs.mkdir(full);
    await fs.writeFile(path.join(full, 'keep.txt'), 'mine');
    await fs.writeFile(path.join(root, 'a-file'), '');
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['cache', 'move', full], env, /^corral: .*full is not empty; choose an empty or new folder\n$/],
      [['cache', 'move', path.join(root, 'a-file', 'sub')], env, /^corral: cannot write to .*a-file\/sub \(ENOTDIR\); choose a folder you can write to\n$/],
      [['cache', 'move', path.join(home, 'cache', 'inner')], env, /^corral: .*inner overlaps the cache folder .*; choose a folder outside it\n$/],
      [['cache', 'move', target], { ...env, CORRAL_CACHE: path.join(home, 'cache') }, /^corral: the cache folder is set by the CORRAL_CACHE environment variable, which a move cannot change; point that at the new folder instead\n$/],
      [['cache', 'move'], env, /missing folder: corral cache move DIR/],
    ];
    for (const [args, withEnv, expected] of cases) {
      const result = await runToEnd(process.execPath, [corralBin, '--home', home, ...args], { env: withEnv });
      assert.notEqual(result.code, 0, args.join(' '));
      assert.match(result.stderr, expected);
    }
    assert.equal(await fs.readFile(path.join(full, 'keep.txt'), 'utf8'), 'mine');
    await assert.rejects(fs.stat(cacheRecordFile(home)), { code: 'ENOENT' });
    await assert.rejects(fs.stat(target), { code: 'ENOENT' });
    assert.ok((await cachedAt()).startsWith(path.join(home, 'cache')));
  });

  it('refuses, changing nothing, a target whose file system has less free space than the cache holds', async () => {
    // The refusal reads the target's free space with statfs. A sparse file makes the cache
    // truly larger (by stat size, what a copy writes) than /dev/shm's free space without using
    // that space on either disk; /dev/shm is another file system, so the files would be copied.
    const space = await fs.statfs('/dev/shm');
    const free = space.bavail * space.bsize;
    const filler = path.join(home, 'cache', 'filler.img');
    await fs.writeFile(filler, '');
    await fs.truncate(filler, free + 1024 ** 3);
    try {
      const result = await corral('cache', 'move', target);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /^corral: not enough space at \/dev\/shm\/corral-cache-move-\w+: the cache needs \d+\.\d GiB, \d+\.\d GiB is free; free some or choose another disk\n$/);
      const [needed, left] = [...result.stderr.matchAll(/(\d+\.\d) GiB/g)].map((m) => Number(m[1]));
      assert.ok(needed !== undefined && left !== undefined && needed > left, `needs ${needed} > free ${left}`);
    } finally {
      await fs.rm(filler);
    }
    await assert.rejects(fs.stat(target), { code: 'ENOENT' }, 'no target folder made');
    await assert.rejects(fs.stat(cacheRecordFile(home)), { code: 'ENOENT' }, 'not switched');
    assert.ok((await cachedAt()).startsWith(path.join(home, 'cache')));
  });

  it('refuses while a download runs in this engine', { timeout: 120_000 }, async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const slow = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': 1024 });
      res.write(Buffer.alloc(512));
      void held.then(() => res.end(Buffer.alloc(512)));
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const template = path.join(root, 'slow.yaml');
    await fs.writeFile(template, `vmType: qemu\nimages:\n  - location: http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow.img\n`);
    const engine = new Engine({ home });
    try {
      await engine.create('slow', { template });
      const downloading = new Promise<void>((resolve) => engine.events.on((e) => { if (e.type === 'download-progress' && e.phase === 'download') resolve(); }));
      const fetching = engine.fetchDownloads('slow').catch(() => undefined);
      await downloading;
      await assert.rejects(engine.moveCache(target), /^DriverError: a download is in progress \(for slow\); wait for it to end or cancel it, then move the cache$/);
      await assert.rejects(fs.stat(target), { code: 'ENOENT' });
      engine.cancelDownloads('slow'); // a partial is no cache entry: the cache holds the image alone
      await fetching;
      await engine.delete('slow');
    } finally {
      release();
      await engine.close();
      slow.close();
    }
  });

  it('killed mid-copy, leaves the old cache in use and whole, and the next start removes its copy', { timeout: 180_000 }, async () => {
    const child = spawn(process.execPath, [corralBin, '--home', home, 'cache', 'move', target], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      let said = '';
      child.stderr.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (/Moving the download cache: [1-8]\d? %/.test(said)) resolve();
      });
      child.once('exit', () => reject(new Error(`the move ended before it could be killed: ${said}`)));
    });
    child.kill('SIGKILL');
    await exited;
    await assert.rejects(fs.stat(cacheRecordFile(home)), { code: 'ENOENT' }, 'not switched');
    assert.deepEqual(await fs.readdir(target), ['.corral-moving'], 'only the staging folder in the target');
    assert.ok((await fs.stat(path.join(home, 'cache-move.json'))).isFile(), 'the move journalled before it copied');
    // cachedAt starts an engine, and its close waits for the start's finishing of the move.
    assert.ok((await cachedAt()).startsWith(path.join(home, 'cache')), 'the old cache still serves the image');
    await assert.rejects(fs.stat(target), { code: 'ENOENT' }, 'the partial copy and the folder the move made are gone');
    await assert.rejects(fs.stat(path.join(home, 'cache-move.json')), { code: 'ENOENT' });
    const listed = await corral('cache', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { url: string; size: number }[]).map((e) => [e.url, e.size]), [[url, imageBytes]]);
  });

  it('the next move finishes: later starts use the new folder, and the old one links to it', { timeout: 180_000 }, async () => {
    const moved = await corral('cache', 'move', target);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /^Moved the download cache \(384\.0 MiB\) from .*home\/cache to \/dev\/shm\/corral-cache-move-\w+; later starts use it\./);
    assert.match(moved.stderr, /Moving the download cache: 100 % \(384\.0 MiB of 384\.0 MiB\)/);
    assert.deepEqual(JSON.parse(await fs.readFile(cacheRecordFile(home), 'utf8')), { version: 1, cache: target });
    assert.equal(await fs.readlink(path.join(home, 'cache')), target);
    assert.ok((await cachedAt()).startsWith(target), 'a new engine finds the image in the new folder');
    assert.ok(!(await fs.readdir(target)).includes('.corral-moving'));
    const listed = await corral('cache', 'list', '--json');
    assert.deepEqual((JSON.parse(listed.stdout) as { url: string }[]).map((e) => e.url), [url]);
  });
});
