// `corral connection ...` as a user runs it, each command its own process, with the libvirt
// bundle installed sandboxed and a real libvirtd: add a named connection (tested first), make
// and start an instance on it, see it in `corral list` with its connection and filtered by it,
// be refused removing a connection in use, and find CORRAL_LIBVIRT_URI still the default
// connection's URI. Bad input is one line on stderr and leaves no connections.json.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { domainsUnder, removeDomainsUnder, requireLibvirt } from '../src-drivers/libvirt/test-support/libvirt.ts';
import type { Virsh } from '../src-drivers/libvirt/virsh.ts';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { guestTemplate } from './support/guest.ts';
import { repoRoot, tempDir } from './support/temp.ts';

describe('corral connection', () => {
  let root: string;
  let home: string;
  let virsh: Virsh;
  let corral: CorralRunner;

  async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    const result = await corral(args, env);
    assert.equal(result.code, 0, `corral ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** A refused command: exit 1 and one line on stderr matching `expected`. */
  async function refused(args: string[], expected: RegExp): Promise<void> {
    const result = await corral(args);
    assert.equal(result.code, 1, `corral ${args.join(' ')} should fail`);
    assert.match(result.stderr, expected);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
  }

  before(async () => {
    virsh = await requireLibvirt();
    root = await tempDir('corral-cli-conn-');
    home = path.join(root, 'home');
    corral = corralRunner(home, path.join(root, 'cache'));
    const out = path.join(root, 'dist');
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'libvirt', '--out', out], { cwd: repoRoot });
    await ok(['driver', 'install', path.join(out, 'libvirt-0.1.0.corral-driver'), '--yes']);
  });

  after(async () => {
    if (virsh && root) {
      await removeDomainsUnder(virsh, root);
      assert.deepEqual(await domainsUnder(virsh, root), [], 'no domain outlives the test');
    }
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses bad URIs in one line each, writing nothing', async () => {
    await refused(['connection', 'add', 'odd', 'qemu+ssh://host/system;reboot'], /^corral: connection "odd": setting uri expected something like qemu\+ssh:\/\/user@host\/system\n$/);
    await refused(['connection', 'add', 'mock', 'test:///default'], /^corral: connection "mock" not added: test:\/\/\/default answers .*not libvirt's QEMU driver/);
    await refused(['connection', 'add', 'far', 'qemu+ssh://nobody@127.0.0.1:1/system'], /^corral: connection "far" not added: /);
    const usage = await corral(['connection', 'add', 'far']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing URI: corral connection add NAME URI/);
    await assert.rejects(fs.stat(path.join(home, 'connections.json')), { code: 'ENOENT' });
  });

  it('adds a connection once it answers, saying what it found', async () => {
    assert.match(await ok(['connection', 'add', 'sys', 'qemu:///system']), /^Added connection sys: .*\(qemu:\/\/\/system: libvirt [\d.]+, QEMU [\d.]+\)/);
    assert.match(await ok(['connection', 'test', 'sys']), /^Connection sys works: .*QEMU [\d.]+/);
    assert.match(await ok(['connection', 'list']), /^sys +libvirt +uri=qemu:\/\/\/system +-$/m);
  });

  it('an instance made on it runs through that connection, and the list shows and filters by it', async () => {
    await ok(['create', 'vm', '--template', await guestTemplate(), '--connection', 'sys']);
    assert.match(await ok(['start', 'vm', '--no-wait']), /^Started vm/);
    const list = await ok(['list']);
    assert.match(list, /^NAME +STATUS +DRIVER +CONNECTION/);
    assert.match(list, /^vm +Running +libvirt +sys /m);
    assert.match(await ok(['list', '--connection', 'sys']), /^vm +Running +libvirt +sys/m);
    assert.equal((await ok(['list', '--connection', 'local'])).trim(), 'No instances on connection local.');
    assert.equal((await domainsUnder(virsh, root)).length, 1, 'libvirt runs its domain');
    await fs.access(path.join(home, 'logs', 'driver-libvirt@sys.log')); // the connection's own driver process served it
    assert.match(await ok(['connection', 'list']), /^sys +libvirt +uri=qemu:\/\/\/system +vm$/m);
    await refused(['connection', 'remove', 'sys'], /^corral: connection "sys" is used by vm: delete that instance first\n$/);
    await ok(['stop', 'vm', '--force']);
    await ok(['delete', 'vm']);
    assert.equal(await ok(['connection', 'remove', 'sys']), 'Removed connection sys.\n');
    assert.doesNotMatch(await ok(['connection', 'list']), /^sys /m);
  });

  it('CORRAL_LIBVIRT_URI is still the default libvirt connection\'s URI, now given as its setting', async () => {
    const result = await corral(['connection', 'test', 'libvirt'], { CORRAL_LIBVIRT_URI: 'test:///default' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^corral: connection "libvirt" does not work: test:\/\/\/default answers/);
  });
});
