// Bad SSH input, as a user meets it through `corral` with the tiny QEMU guest: a privileged or
// taken ssh.localPort is refused in one line naming the field, writing nothing; an unreadable
// ~/.ssh/*.pub (ssh.loadDotSSHPubKeys) is a warning naming the file, and the start goes on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { writeGuestTemplate } from './support/guest.ts';
import { tempDir } from './support/temp.ts';
import { treeSnapshot } from './support/tree.ts';

describe('corral with bad SSH input', () => {
  let root: string;
  let home: string;
  let userHome: string;
  let corral: CorralRunner;

  /** A command that must be refused: exit 1, one line on stderr matching `pattern`, nothing under home changed. */
  async function refused(args: string[], pattern: RegExp): Promise<void> {
    const before = await treeSnapshot(home);
    const result = await corral(args);
    assert.equal(result.code, 1, `corral ${args.join(' ')} should fail; it said: ${result.stdout}`);
    // Without a terminal a start reports its progress on stderr as JSON lines; the error is one line after them.
    const said = result.stderr.split('\n').filter((line) => !line.startsWith('{"progress"')).join('\n');
    assert.match(said, /^corral: [^\n]+\n$/, `one line on stderr, got: ${result.stderr}`);
    assert.match(said, pattern);
    assert.deepEqual(await treeSnapshot(home), before, `corral ${args.join(' ')} changed files under ${home}`);
  }

  /** A template for the tiny guest in a folder of its own, with `ssh` set. */
  async function template(name: string, ssh: Record<string, unknown>): Promise<string> {
    const dir = path.join(root, name);
    await fs.mkdir(dir);
    return writeGuestTemplate(dir, { ssh });
  }

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    userHome = path.join(root, 'user');
    corral = corralRunner(home, path.join(root, 'cache'), { env: { HOME: userHome } });
    await fs.mkdir(path.join(userHome, '.ssh'), { recursive: true });
  });
  after(async () => {
    const list = await corral(['list', '--json']);
    for (const i of (JSON.parse(list.stdout || '[]') as { name: string }[])) await corral(['delete', '--force', i.name]);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses an ssh.localPort below 1024 at create, naming the field, writing nothing', async () => {
    await refused(['create', 'low', '--template', await template('low', { localPort: 22 })],
      /^corral: .*field "ssh\.localPort": ports below 1024 are privileged on the host; use 1024 to 65535, or 0 to choose a free one at each start\n$/);
    assert.equal((JSON.parse((await corral(['list', '--json'])).stdout) as unknown[]).length, 0);
  });

  it('starts despite an unreadable ~/.ssh/*.pub, warning about that file; the readable keys reach the cidata', async () => {
    // A folder named like a key cannot be read as a file, even by root (chmod 000 would not stop root).
    await fs.mkdir(path.join(userHome, '.ssh', 'broken.pub'));
    const mine = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGuestInputTestKey me@host';
    await fs.writeFile(path.join(userHome, '.ssh', 'id_ed25519.pub'), `${mine}\n`);
    assert.equal((await corral(['create', 'keys', '--template', await template('keys', { loadDotSSHPubKeys: true })])).code, 0);
    const started = await corral(['start', 'keys', '--no-wait']);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /Started keys/);
    const warning = `warning: cannot read ${path.join(userHome, '.ssh', 'broken.pub')} (EISDIR), so its keys are not added to the guest (ssh.loadDotSSHPubKeys); fix its permissions, or set ssh.loadDotSSHPubKeys: false`;
    assert.ok(started.stderr.split('\n').includes(warning), `the start warns about the file: ${started.stderr}`);
    const extracted = path.join(root, 'user-data');
    await promisify(execFile)('xorriso', ['-osirrox', 'on', '-indev', path.join(home, 'instances', 'keys', 'cidata.iso'), '-extract', '/user-data', extracted]);
    assert.ok((await fs.readFile(extracted, 'utf8')).includes(mine), 'the readable key is in the user-data');
    assert.equal((await corral(['stop', '--force', 'keys'])).code, 0);
  });

  it('refuses a start whose ssh.localPort is taken, naming the field and the port, writing nothing and starting nothing', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      assert.equal((await corral(['create', 'taken', '--template', await template('taken', { localPort: port })])).code, 0);
      await refused(['start', 'taken'], new RegExp(`^corral: field "ssh\\.localPort": port ${port} on 127\\.0\\.0\\.1 is in use; pick another port or set 0 to choose a free one\\n$`));
      const listed = (JSON.parse((await corral(['list', '--json'])).stdout) as { name: string; state: string }[]).find((i) => i.name === 'taken');
      assert.equal(listed?.state, 'Stopped');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
