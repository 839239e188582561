// A real distribution a user can log in to: the Debian 12 cloud guest (e2e/fixtures/debian-guest,
// built once and cached) created from its template and started with the CLI, reached over SSH
// with `corral shell`, `corral copy` and `corral ssh-config`; `corral start` waits until the guest is ready. It boots ONCE (1 to 3 minutes under TCG); every
// check runs against that one boot, in order, then it is stopped and deleted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { alive, runToEnd, waitForExit } from './support/processes.ts';
import type { RunResult } from './support/processes.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const run = promisify(execFile);
const name = 'deb';

type Result = RunResult;
const exec = (file: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Result> => runToEnd(file, args, options);

describe('a real Debian cloud guest', () => {
  let root: string;
  let home: string;
  let template: string;
  const timings: Record<string, number> = {};
  let startedAt = 0;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, CORRAL_CACHE: path.join(root, 'cache') });
  const corral = (args: string[], input?: string): Promise<Result> => exec(process.execPath, [bin, '--home', home, ...args], { env: env(), ...(input === undefined ? {} : { input }) });
  async function ok(args: string[], input?: string): Promise<string> {
    const result = await corral(args, input);
    assert.equal(result.code, 0, `corral ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return result.stdout;
  }
  /** A command in the guest as its user, through `corral shell`. */
  const inGuest = (script: string): Promise<string> => ok(['shell', name, '--', 'sh', '-c', script]);

  before(async () => {
    const started = Date.now();
    const { stdout } = await run('bash', [path.join(repoRoot, 'e2e/fixtures/debian-guest/build.sh')], { maxBuffer: 16 * 1024 ** 2 });
    template = path.join(stdout.trim(), 'guest.yaml');
    timings.buildOrCacheMs = Date.now() - started;
    root = await tempDir('corral-real-guest-');
    home = path.join(root, 'home');
  });

  after(async () => {
    // Whatever failed above, no QEMU is left behind.
    if (home) await corral(['delete', '--force', name]);
    if (root) await fs.rm(root, { recursive: true, force: true });
    process.stderr.write(`real-guest timings (ms): ${JSON.stringify(timings)}\n`);
  });

  // Start waits for the boot: Lima's 10-minute limit, plus slack for a loaded TCG host.
  it('creates and starts it with the CLI; list --json shows where SSH reaches it', { timeout: 15 * 60_000 }, async () => {
    assert.match(await ok(['create', name, '--template', template]), /Created deb \(qemu, 1 CPU, 1GiB memory, 4GiB disk\)/);
    const started = Date.now();
    const output = await ok(['start', name]);
    timings.startMs = Date.now() - started;
    assert.match(output, /^deb: ready$/m, 'start waited until the guest was ready');
    const [instance] = JSON.parse(await ok(['list', '--json'])) as { name: string; state: string; ssh?: { host: string; port: number; user: string } }[];
    assert.equal(instance?.state, 'Running');
    assert.equal(instance.ssh?.host, '127.0.0.1');
    assert.ok(instance.ssh && instance.ssh.port > 0);
    // Run as root here: Lima's rule gives the fixed default user instead.
    assert.equal(instance.ssh.user, process.getuid?.() === 0 ? 'lima' : process.env.USER);
    startedAt = started;
  });

  // `corral start` returns once the guest is ready (SSH answers and Corral's boot script, run by
  // cloud-init's final stage, is done): the first login works at once, with no retry loop. Until
  // then cloud-init's config stage may restart sshd, which drops a login made in that moment.
  it('is ready when start returns: the first `corral shell` logs in, and cloud-init finishes', async () => {
    const first = await corral(['shell', name, '--', 'cloud-init', 'status', '--wait']);
    assert.notEqual(first.code, 255, `no SSH login right after start: ${first.stderr}`);
    timings.startToReadyMs = Date.now() - startedAt;
  });

  it('cloud-init finished without errors, and the user-data passes its schema in the guest', async () => {
    const status = await corral(['shell', name, '--', 'cloud-init', 'status', '--long']);
    assert.equal(status.code, 0, `cloud-init status: ${status.stdout}${status.stderr}`);
    assert.match(status.stdout, /^status: done$/m);
    assert.doesNotMatch(status.stdout, /^errors: \[.+\]/m);
    const schema = await corral(['shell', name, '--', 'sudo', 'cloud-init', 'schema', '--system']);
    assert.equal(schema.code, 0, `cloud-init schema --system: ${schema.stdout}${schema.stderr}`);
    assert.match(schema.stdout, /Valid cloud-config/);
    // A new instance-id at every boot: the guest took the one this start wrote.
    const iid = (await inGuest('cat /run/cloud-init/.instance-id')).trim();
    assert.match(iid, /^iid-\d+$/);
    assert.ok(Number(iid.slice(4)) >= startedAt - 60_000, `instance-id ${iid} is from this start`);
  });

  it('logs in as the guest user, with Lima\'s home and shell and passwordless sudo', async () => {
    const expected = process.getuid?.() === 0 ? 'lima' : String(process.env.USER);
    const [user, uid, homeDir, shell, cwd] = (await inGuest('id -un; id -u; echo "$HOME"; getent passwd "$(id -un)" | cut -d: -f7; pwd')).trim().split('\n');
    assert.equal(user, expected);
    if (expected === 'lima') assert.equal(uid, '1000');
    assert.equal(homeDir, `/home/${expected}.linux`);
    assert.equal(shell, '/bin/bash');
    assert.equal(cwd, homeDir, 'a shell starts in the home folder');
    assert.equal((await inGuest('sudo -n id -u')).trim(), '0');
  });

  it('has no password anywhere: the user and root are locked, sshd offers only keys', async () => {
    const expected = process.getuid?.() === 0 ? 'lima' : String(process.env.USER);
    assert.match(await inGuest(`sudo passwd -S ${expected}; sudo passwd -S root`), new RegExp(`^${expected} L .*\\nroot L `, 'm'));
    const [instance] = JSON.parse(await ok(['list', '--json'])) as { ssh: { port: number; user: string } }[];
    const port = String(instance?.ssh.port);
    const common = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-p', port, `${expected}@127.0.0.1`, 'true'];
    const password = await exec('ssh', ['-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password,keyboard-interactive', ...common]);
    assert.equal(password.code, 255);
    assert.match(password.stderr, /Permission denied \(publickey\)/, 'the server offers no password method at all');
    // A key Corral did not put there is refused too.
    const stranger = path.join(root, 'stranger');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const wrongKey = await exec('ssh', ['-i', stranger, '-o', 'IdentitiesOnly=yes', ...common]);
    assert.equal(wrongKey.code, 255);
    assert.match(wrongKey.stderr, /Permission denied/);
  });

  it('names the NIC eth0, with the MAC Corral chose, and gives it an address', async () => {
    const record = JSON.parse(await fs.readFile(path.join(home, 'instances', name, 'guest-endpoint.json'), 'utf8')) as { macAddress: string };
    const [mac, addresses] = (await inGuest('cat /sys/class/net/eth0/address; ip -4 -o addr show dev eth0')).trim().split('\n');
    assert.equal(mac, record.macAddress);
    assert.match(addresses ?? '', /inet 10\.0\.2\.15\//);
  });

  it('passes exit statuses, stdin, stdout, stderr and --workdir through', async () => {
    assert.equal((await corral(['shell', name, '--', 'sh', '-c', 'exit 7'])).code, 7);
    const streamed = await corral(['shell', name, '--', 'sh', '-c', 'tr a-z A-Z; echo to-stderr >&2'], 'hello guest\n');
    assert.equal(streamed.code, 0);
    assert.equal(streamed.stdout, 'HELLO GUEST\n');
    assert.match(streamed.stderr, /^to-stderr$/m);
    assert.equal(await ok(['shell', name, '--workdir', '/tmp', '--', 'pwd']), '/tmp\n');
    // Arguments keep their spaces and quotes on the way to the guest.
    assert.equal(await ok(['shell', name, '--', 'printf', '%s|', 'a b', "it's", '$HOME']), "a b|it's|$HOME|");
    const missing = await corral(['shell', name, '--workdir', '/no/such/dir', '--', 'pwd']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /\/no\/such\/dir/);
  });

  it('ssh-config gives a Host block that plain `ssh -F` logs in with', async () => {
    const block = await ok(['ssh-config', name]);
    assert.match(block, /^Host corral-deb$/m);
    const file = path.join(root, 'ssh_config');
    await fs.writeFile(file, block);
    const result = await exec('ssh', ['-F', file, 'corral-deb', 'hostname']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'deb\n');
  });

  it('copies files with `corral copy`: host to guest, guest to host, folders with -r, scp\'s exit status', async () => {
    const files = path.join(root, 'copy');
    await fs.mkdir(path.join(files, 'tree', 'sub'), { recursive: true });
    await fs.writeFile(path.join(files, 'hello.txt'), 'hello from the host\n');
    await fs.writeFile(path.join(files, 'tree', 'sub', 'deep.txt'), 'deep\n');
    await ok(['copy', path.join(files, 'hello.txt'), `${name}:/tmp/`]);
    assert.equal(await inGuest('cat /tmp/hello.txt'), 'hello from the host\n');
    // A path without a folder is in the guest user's home, as with scp.
    await inGuest('echo "made in $(hostname)" > made.txt');
    await ok(['copy', `${name}:made.txt`, path.join(files, 'back.txt')]);
    assert.equal(await fs.readFile(path.join(files, 'back.txt'), 'utf8'), 'made in deb\n');
    const notRecursive = await corral(['copy', path.join(files, 'tree'), `${name}:/tmp/`]);
    assert.notEqual(notRecursive.code, 0, 'a folder needs -r');
    await ok(['copy', '-r', path.join(files, 'tree'), `${name}:/tmp/`]);
    assert.equal(await inGuest('cat /tmp/tree/sub/deep.txt'), 'deep\n');
    await ok(['copy', '-r', `${name}:/tmp/tree`, path.join(files, 'tree-back')]);
    assert.equal(await fs.readFile(path.join(files, 'tree-back', 'sub', 'deep.txt'), 'utf8'), 'deep\n');
    const missing = await corral(['copy', `${name}:/no/such/file`, path.join(files, 'nothing')]);
    assert.equal(missing.code, 1, 'scp\'s exit status passes through');
    assert.match(missing.stderr, /\/no\/such\/file: No such file or directory/);
    await assert.rejects(fs.access(path.join(files, 'nothing')), 'nothing is written for a missing source');
    const unknown = await corral(['copy', 'nosuch:/tmp/x', files]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^corral: no instance named "nosuch"/m);
    const between = await corral(['copy', `${name}:/tmp/hello.txt`, 'other:/tmp/']);
    assert.match(between.stderr, /copying between two instances \(deb, other\) is not supported/);
  });

  it('stops and deletes, leaving no QEMU', async () => {
    const pid = Number(await fs.readFile(path.join(home, 'instances', name, 'qemu.pid'), 'utf8'));
    assert.ok(alive(pid));
    const started = Date.now();
    await ok(['stop', name]);
    timings.stopMs = Date.now() - started;
    await waitForExit(pid);
    const refused = await corral(['shell', name, '--', 'true']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /instance "deb" is Stopped; start it first: corral start deb/);
    const copyRefused = await corral(['copy', `${name}:/tmp/hello.txt`, root]);
    assert.equal(copyRefused.code, 1);
    assert.match(copyRefused.stderr, /instance "deb" is Stopped; start it first: corral start deb/);
    await ok(['delete', name]);
    assert.deepEqual(JSON.parse(await ok(['list', '--json'])), []);
  });
});
