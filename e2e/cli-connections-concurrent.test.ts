// Several `corral connection add` processes editing connections.json at the same moment (a
// driver fixture holds them all at a gate until each has connected, then lets them go
// together): every connection is kept, none lost to another process's write.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralRunner, installFixtureBundle } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { tempDir } from './support/temp.ts';

const editors = 5;

describe('concurrent connection edits', () => {
  let root: string;
  let home: string;
  let corral: CorralRunner;
  let gate: Server;

  before(async () => {
    root = await tempDir('corral-conn-race-');
    home = path.join(root, 'home');
    corral = corralRunner(home, path.join(root, 'cache'));
    await installFixtureBundle(corral, root, { fixture: 'gated-driver.ts', name: 'gated', description: 'test driver that waits at a gate when configured', network: true });
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
