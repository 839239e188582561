// Named connections through the engine, against real virsh and ssh (the libvirt driver run
// unsandboxed, so its ssh can dial out) and a driver that takes a secret: bad input is one
// line and writes nothing; a good connection is stored and its secret is never shown or logged.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../src-drivers/sdk/errors.ts';
import { Engine } from '../src-main/core/engine.ts';
import { fixtureDriver, repoRoot, tempDir } from './support/temp.ts';

/** Every file under `dir`, whole. */
async function allText(dir: string): Promise<string> {
  const files = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const texts = await Promise.all(files.filter((f) => f.isFile()).map((f) => fs.readFile(path.join(f.parentPath, f.name), 'utf8')));
  return texts.join('\n');
}

describe('connections', () => {
  let root: string;
  let engine: Engine;
  const connectionsFile = () => path.join(root, 'home', 'connections.json');

  async function refused(name: string, driver: string, settings: Record<string, string>, expected: RegExp): Promise<DriverError> {
    const error = await engine.connections.add(name, driver, settings).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof DriverError, `adding ${name} should fail`);
    assert.match(error.message, expected);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    await assert.rejects(fs.stat(connectionsFile()), { code: 'ENOENT' }, 'nothing written');
    return error;
  }

  before(async () => {
    execFileSync('virsh', ['--version']); // from scripts/install-host-packages.sh
    root = await tempDir('corral-connections-');
    engine = new Engine({
      home: path.join(root, 'home'), cache: path.join(root, 'cache'), runtimeBase: root, dropFolders: [], health: { intervalMs: 0, timeoutMs: 10_000 },
      extraDrivers: [
        { name: 'libvirt', entry: path.join(repoRoot, 'src-drivers/libvirt/main.ts') },
        { name: 'keyed', entry: fixtureDriver('keyed-driver.ts') },
      ],
    });
  });

  after(async () => {
    await engine?.close();
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('an unreachable host is one line naming it, and nothing is written', async () => {
    await refused('far', 'libvirt', { uri: 'qemu+ssh://nobody@127.0.0.1:1/system' }, /^connection "far" not added: cannot reach 127\.0\.0\.1:1 over SSH: connection refused/);
  });

  it('a URI with shell metacharacters is refused before anything runs', async () => {
    for (const uri of ['qemu+ssh://host;touch${IFS}/tmp/x/system', 'qemu+ssh://$(id)@host/system', 'qemu:///system`id`', 'qemu+ssh://host/system|sh']) {
      await refused('odd', 'libvirt', { uri }, /^connection "odd": setting uri expected something like qemu\+ssh:\/\/user@host\/system/);
    }
  });

  it('a host whose libvirt has no QEMU driver is refused, saying what answered', async () => {
    await refused('mock', 'libvirt', { uri: 'test:///default' }, /^connection "mock" not added: test:\/\/\/default answers \(libvirt [\d.]+, TEST [\d.]+\), but it is not libvirt's QEMU driver/);
  });

  it('bad names, drivers and settings are one line each', async () => {
    await refused('Bad Name', 'libvirt', { uri: 'qemu:///system' }, /^invalid connection name "Bad Name"/);
    await refused('local', 'libvirt', { uri: 'qemu:///system' }, /"local" is the name of a built-in connection/);
    await refused('q', 'qemu', {}, /driver qemu takes no connection settings: its one connection is "local"/);
    await refused('x', 'nosuch', {}, /driver "nosuch" is not installed/);
    await refused('x', 'libvirt', { uri: 'qemu:///system', password: 'p' }, /driver libvirt has no setting password/);
  });

  it('a secret reaches the driver, and is never shown, logged or repeated in an error', async () => {
    const secret = 'Sup3r-Secret-Token-42';
    const bad = 'not a token!';
    await refused('k', 'keyed', { endpoint: 'api.example', token: bad }, /^connection "k": setting token expected something like abcd-1234-efgh$/);
    await refused('k', 'keyed', { endpoint: 'api.example', token: `refused-${secret}` }, /^connection "k" not added: api\.example refused the token$/);
    const added = await engine.connections.add('k', 'keyed', { endpoint: 'api.example', token: secret });
    assert.equal(added.description, `endpoint api.example, token of ${secret.length} characters`, 'the driver got it at configure()');
    const listed = (await engine.connections.list()).find((c) => c.name === 'k');
    assert.deepEqual(listed?.settings, { endpoint: 'api.example', token: '********' });
    assert.equal((await engine.connections.test('k')).ok, true);
    assert.equal((await fs.stat(connectionsFile())).mode & 0o777, 0o600, 'the stored secret is owner-only');
    const logs = await allText(path.join(root, 'home', 'logs'));
    for (const value of [secret, bad]) assert.ok(!logs.includes(value), `a log holds ${value}`);
  });

  it('lists local, each driver default and the named ones; remove forgets one', async () => {
    const names = (await engine.connections.list()).map((c) => `${c.name}:${c.kind}`);
    assert.deepEqual(names, ['keyed:default', 'libvirt:default', 'local:local', 'k:named']);
    await assert.rejects(engine.connections.remove('local'), /built-in connection and cannot be removed/);
    await engine.connections.remove('k');
    await assert.rejects(engine.connections.test('k'), /there is no connection "k" \(connections: local\)/);
  });
});
