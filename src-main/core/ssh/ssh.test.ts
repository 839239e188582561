// Corral's SSH key pair, the keys a guest accepts, and the per-instance endpoint record: real
// ssh-keygen, real files, real sockets on 127.0.0.1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { authorizedKeys } from './authorized-keys.ts';
import { remoteScript, sshArgs, sshConfigBlock } from './client.ts';
import { endpointFileName, prepareEndpoint, readEndpoint } from './guest-endpoint.ts';
import { ensureIdentity, identityDir, keyFileName } from './identity.ts';

const run = promisify(execFile);
const roots: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-ssh-'));
  roots.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(roots.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

describe('ensureIdentity', () => {
  it('makes one ed25519 pair per home at first use, private key 0600, and keeps it', async () => {
    const home = await tempDir();
    const first = await ensureIdentity(home);
    assert.equal(first.privateKey, path.join(identityDir(home), keyFileName));
    assert.match(first.publicKey, /^ssh-ed25519 [A-Za-z0-9+/]+=* corral$/);
    assert.equal((await fs.stat(first.privateKey)).mode & 0o777, 0o600);
    // The private key really is the public key's other half.
    const { stdout } = await run('ssh-keygen', ['-y', '-f', first.privateKey]);
    assert.equal(stdout.trim().split(' ').slice(0, 2).join(' '), first.publicKey.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(await ensureIdentity(home), first);
  });

  it('made by several callers at once: all get the same pair, no staging folder is left', async () => {
    const home = await tempDir();
    const made = await Promise.all(Array.from({ length: 4 }, () => ensureIdentity(home)));
    for (const identity of made) assert.deepEqual(identity, made[0]);
    assert.deepEqual((await fs.readdir(home)).sort(), ['ssh']);
  });
});

describe('authorizedKeys', () => {
  const corralKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIcorral corral';

  it('only Corral\'s key unless ssh.loadDotSSHPubKeys', async () => {
    const homeDir = await tempDir();
    await fs.mkdir(path.join(homeDir, '.ssh'));
    await fs.writeFile(path.join(homeDir, '.ssh', 'id_rsa.pub'), 'ssh-rsa AAAAB3NzaC1yc2E me@host\n');
    assert.deepEqual(await authorizedKeys(corralKey, { loadDotSSHPubKeys: false, homeDir }), { keys: [corralKey], warnings: [] });
    const loaded = await authorizedKeys(corralKey, { loadDotSSHPubKeys: true, homeDir });
    assert.deepEqual(loaded.keys, [corralKey, 'ssh-rsa AAAAB3NzaC1yc2E me@host']);
  });

  it('a .pub that holds no key is skipped with a warning naming it', async () => {
    const homeDir = await tempDir();
    await fs.mkdir(path.join(homeDir, '.ssh'));
    await fs.writeFile(path.join(homeDir, '.ssh', 'notes.pub'), 'hello\n');
    const result = await authorizedKeys(corralKey, { loadDotSSHPubKeys: true, homeDir });
    assert.deepEqual(result.keys, [corralKey]);
    assert.match(result.warnings[0] ?? '', /notes\.pub does not hold an SSH public key/);
  });

  it('an unreadable key: a warning naming the file and the field, and the readable keys still go in', async () => {
    const homeDir = await tempDir();
    await fs.mkdir(path.join(homeDir, '.ssh'));
    // A folder named like a key cannot be read as a file, even by root (chmod 000 would not stop root).
    await fs.mkdir(path.join(homeDir, '.ssh', 'broken.pub'));
    await fs.writeFile(path.join(homeDir, '.ssh', 'id_ed25519.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIme me@host\n');
    const result = await authorizedKeys(corralKey, { loadDotSSHPubKeys: true, homeDir });
    assert.deepEqual(result.keys, [corralKey, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIme me@host']);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? '', /cannot read .*broken\.pub \(EISDIR\).*ssh\.loadDotSSHPubKeys: false/);
  });
});

describe('prepareEndpoint', () => {
  it('keeps the MAC address across starts and picks a free loopback port each time', async () => {
    const dir = await tempDir();
    assert.equal(await readEndpoint(dir), undefined);
    const first = await prepareEndpoint(dir, { user: 'lima' });
    assert.match(first.macAddress, /^52:55:55(:[0-9a-f]{2}){3}$/);
    assert.equal(first.ssh.host, '127.0.0.1');
    assert.equal(first.ssh.user, 'lima');
    const second = await prepareEndpoint(dir, { user: 'lima' });
    assert.equal(second.macAddress, first.macAddress);
    assert.deepEqual(await readEndpoint(dir), second);
  });

  it('a fixed ssh.localPort in use is refused, naming the field, and the record is unchanged', async () => {
    const dir = await tempDir();
    const before = await prepareEndpoint(dir, { user: 'lima' });
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await assert.rejects(prepareEndpoint(dir, { localPort: port, user: 'lima' }), new RegExp(`field "ssh.localPort": port ${port} on 127.0.0.1 is in use`));
    } finally {
      server.close();
    }
    assert.deepEqual(await readEndpoint(dir), before);
  });

  it('a damaged record is an error naming the file', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, endpointFileName), '{"macAddress": 3}');
    await assert.rejects(readEndpoint(dir), /guest-endpoint\.json is damaged/);
  });
});

describe('the ssh command line', () => {
  const target = { host: '127.0.0.1' as const, port: 40022, user: 'lima', identityFile: '/home/u/.corral/ssh/id_ed25519' };

  it('runs CMD word for word, or a login shell, after an optional cd', async () => {
    assert.equal(remoteScript({ command: [] }), 'exec "$SHELL" --login');
    assert.equal(remoteScript({ workdir: '/srv/my app', command: ['printf', '%s|', "it's", '$HOME'] }), "cd '/srv/my app' || exit 1; exec printf '%s|' 'it'\\''s' '$HOME'");
    // A real shell reads the quoting back into the same words.
    const { stdout } = await run('sh', ['-c', remoteScript({ command: ['printf', '%s|', 'a b', "it's", '$HOME', ''] })]);
    assert.equal(stdout, "a b|it's|$HOME||");
  });

  it('ssh-config and the ssh arguments carry the same options', () => {
    const block = sshConfigBlock('corral-demo', target);
    assert.match(block, /^Host corral-demo\n {2}IdentityFile "\/home\/u\/.corral\/ssh\/id_ed25519"\n/);
    for (const line of ['IdentitiesOnly yes', 'User lima', 'Hostname 127.0.0.1', 'Port 40022', 'BatchMode yes', 'PreferredAuthentications publickey']) assert.ok(block.includes(`\n  ${line}`), line);
    const args = sshArgs(target);
    assert.ok(args.includes('IdentityFile=/home/u/.corral/ssh/id_ed25519'));
    assert.ok(args.includes('Port=40022'));
    assert.equal(args.filter((a) => a === '-o').length, block.split('\n').length - 1);
  });
});
