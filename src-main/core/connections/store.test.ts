// connections.json: written whole and owner-only, read through its schema; a damaged file is
// one clear error and is left as it was.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../e2e/support/temp.ts';
import { ConnectionStore } from './store.ts';

test('connections are kept in CORRAL_HOME/connections.json, owner-only', async () => {
  const home = await tempDir('corral-conn-store-');
  const store = new ConnectionStore(home);
  assert.deepEqual(await store.list(), []);
  await store.add({ name: 'far', driver: 'libvirt', settings: { uri: 'qemu+ssh://u@h/system' }, added: '2026-12-06T00:00:00.000Z' });
  await store.add({ name: 'east', driver: 'libvirt', settings: { uri: 'qemu+ssh://u@e/system' }, added: '2026-12-06T00:00:00.000Z' });
  assert.deepEqual((await new ConnectionStore(home).list()).map((c) => c.name), ['east', 'far']);
  assert.equal((await fs.stat(store.file)).mode & 0o777, 0o600);
  await assert.rejects(store.add({ name: 'far', driver: 'libvirt', settings: {}, added: '' }), /connection "far" exists already/);
  await store.remove('far');
  assert.deepEqual((await store.list()).map((c) => c.name), ['east']);
  await assert.rejects(store.remove('far'), /there is no connection "far" \(connections: local, east\)/);
  assert.deepEqual((await fs.readdir(home)).filter((f) => f.includes('.tmp')), [], 'no temp files left');
  await fs.rm(home, { recursive: true, force: true });
});

test('a damaged connections.json is one clear error, and stays as it was', async () => {
  const home = await tempDir('corral-conn-store-');
  const store = new ConnectionStore(home);
  const damaged = '{"version":1,"connections":[{"name":"Bad Name"}]}';
  await fs.writeFile(path.join(home, 'connections.json'), damaged);
  await assert.rejects(store.list(), (error: Error) => /connections\.json is damaged .*move it away and add the connections again$/.test(error.message) && !error.message.includes('\n'));
  await assert.rejects(store.add({ name: 'far', driver: 'libvirt', settings: {}, added: '' }), /is damaged/);
  assert.equal(await fs.readFile(path.join(home, 'connections.json'), 'utf8'), damaged);
  await fs.rm(home, { recursive: true, force: true });
});
