// Several `corral connection add` processes editing connections.json at the same moment (a
// driver fixture holds them all at a gate until each has connected, then lets them go
// together): every connection is kept, none lost to another process's write.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { fixtureDriver, repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const editors = 5;

describe('concurrent connection edits', () => {
  let root: string;
  let home: string;
  let gate: Server;

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
    root = await tempDir('corral-conn-race-');
    home = path.join(root, 'home');
    const source = path.join(root, 'gated');
    await build({ entryPoints: [fixtureDriver('gated-driver.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: path.join(source, 'main.mjs'), logLevel: 'silent' });
    await fs.writeFile(path.join(source, 'manifest.json'), JSON.stringify({
      name: 'gated', version: '1.0.0', protocol: 1, entry: 'main.mjs', platforms: ['linux'],
      description: 'test driver that waits at a gate when configured',
      permissions: { read: [], write: [], exec: [], network: true },
    }));
    const bundle = path.join(root, 'gated.corral-driver');
    for (const args of [['driver', 'pack', source, '--out', bundle], ['driver', 'install', bundle, '--yes']]) {
      const result = await corral(args);
      assert.equal(result.code, 0, `corral ${args.join(' ')}: ${result.stderr}`);
    }
  });

  after(async () => {
    gate?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it(`keeps all ${editors} connections added at once by ${editors} processes`, async () => {
    // Each process's driver connects while it checks its connection; once all have, all go on together.
    const waiting: Socket[] = [];
    gate = createServer((socket) => {
      waiting.push(socket);
      if (waiting.length === editors) for (const held of waiting) held.end('go');
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    const uri = `gate://127.0.0.1:${(gate.address() as AddressInfo).port}`;
    const names = Array.from({ length: editors }, (_, i) => `c${i}`);
    const results = await Promise.all(names.map((name) => corral(['connection', 'add', name, uri, '--driver', 'gated'])));
    for (const [i, result] of results.entries()) assert.equal(result.code, 0, `add ${names[i]}: ${result.stderr}`);
    const listed = JSON.parse((await corral(['connection', 'list', '--json'])).stdout) as Array<{ name: string; kind: string }>;
    assert.deepEqual(listed.filter((c) => c.kind === 'named').map((c) => c.name).sort(), names);
    assert.deepEqual((await fs.readdir(home)).filter((f) => f.startsWith('connections.json')), ['connections.json'], 'no lock or temp file left');
  });
});
