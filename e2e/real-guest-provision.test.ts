// Provisioning and readiness on the real Debian cloud guest, through the CLI: a template with
// env, param, system + user + boot + data scripts, a probe and a message. The guest boots ONCE
// for the good path (progress seen in `list` while a script runs, the message once ready, the
// script's effects, the log in the guest and on the serial console), then once more on a
// restart, where its system script fails on purpose (name, exit status and last lines reported).
// A second describe uses the tiny guest (no sshd): the timeout's message, in seconds.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { alive, waitForExit } from './support/processes.ts';
import { writeGuestTemplate } from './support/guest.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const run = promisify(execFile);
/** A boot under TCG on a loaded machine: Lima's 10-minute limit, plus slack for create and stop. */
const bootTest = { timeout: 15 * 60_000 };

interface Result { code: number; stdout: string; stderr: string }

/** A CLI run whose stdout can be waited on line by line while it runs. */
function corralProcess(home: string, args: string[], env: NodeJS.ProcessEnv): { result: Promise<Result>; printed(pattern: RegExp): Promise<void> } {
  const child = spawn(process.execPath, [bin, '--home', home, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of waiters.filter((w) => w.pattern.test(stdout))) { waiters.splice(waiters.indexOf(waiter), 1); waiter.resolve(); }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<Result>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return {
    result,
    printed: (pattern) => Promise.race([
      new Promise<void>((resolve) => { if (pattern.test(stdout)) resolve(); else waiters.push({ pattern, resolve }); }),
      result.then((r) => assert.fail(`corral ${args.join(' ')} exited ${r.code} before printing ${pattern}: ${r.stdout}${r.stderr}`)),
    ]),
  };
}

function corralIn(home: string, env: NodeJS.ProcessEnv) {
  const corral = (args: string[]): Promise<Result> => corralProcess(home, args, env).result;
  const ok = async (args: string[]): Promise<string> => {
    const result = await corral(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} exited ${result.code}: ${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  return { corral, ok };
}

const provisioned = (guestDir: string) => `vmType: qemu
cpus: 1
memory: 1GiB
disk: 4GiB
images:
  - location: ${path.join(guestDir, 'disk.qcow2')}
    arch: x86_64
    kernel:
      location: ${path.join(guestDir, 'vmlinuz')}
      cmdline: root=LABEL=corral-root ro console=ttyS0
    initrd:
      location: ${path.join(guestDir, 'initrd.img')}
containerd:
  system: false
  user: false
env:
  GREETING: hello from env
param:
  COLOUR: blue
provision:
  # [0] Held until the test lets it go (so list can be read mid-provisioning); fails on any later boot.
  - mode: system
    script: |
      #!/bin/sh
      echo "system: PARAM_COLOUR=$PARAM_COLOUR GREETING=$GREETING"
      if [ -e /var/lib/corral-e2e/booted ]; then
        echo "second boot: failing on purpose" >&2
        exit 3
      fi
      mkdir -p /var/lib/corral-e2e
      until [ -e /run/corral-e2e-go ]; do sleep 1; done
      touch /var/lib/corral-e2e/booted
  - mode: user
    script: |
      #!/bin/bash
      echo "user $(id -un): PARAM_COLOUR=$PARAM_COLOUR" > ~/provisioned
  - mode: boot
    script: |
      echo "boot mode ran" > /run/corral-e2e-boot
  - mode: data
    path: /etc/corral-e2e.conf
    content: |
      colour={{.Param.COLOUR}}
    permissions: "600"
probes:
  - script: |
      #!/bin/sh
      test -f /var/lib/corral-e2e/booted
    hint: the system script marks the first boot
message: |
  Welcome to {{.Name}}: the colour is {{.Param.COLOUR}}.
`;

describe('provisioning and readiness on a real Debian cloud guest', () => {
  const name = 'prov';
  let root: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let cli: ReturnType<typeof corralIn>;
  const inGuest = async (script: string): Promise<string> => cli.ok(['shell', name, '--', 'sh', '-c', script]);

  before(async () => {
    const { stdout } = await run('bash', [path.join(repoRoot, 'e2e/fixtures/debian-guest/build.sh')], { maxBuffer: 16 * 1024 ** 2 });
    root = await tempDir('corral-provision-');
    home = path.join(root, 'home');
    env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache') };
    cli = corralIn(home, env);
    await fs.writeFile(path.join(root, 'prov.yaml'), provisioned(stdout.trim()));
  });

  after(async () => {
    if (!home) return;
    const agent = await fs.readFile(path.join(home, 'instances', name, 'hostagent.pid'), 'utf8').catch(() => undefined);
    await cli.corral(['delete', '--force', name]);
    // The host agent ends with its VM.
    if (agent) await waitForExit((JSON.parse(agent) as { pid: number }).pid);
    await fs.rm(root, { recursive: true, force: true });
  });

  it('creates it without a "not supported" warning for provision, probes, env, param or message', async () => {
    const created = await cli.corral(['create', name, '--template', path.join(root, 'prov.yaml')]);
    assert.equal(created.code, 0, created.stderr);
    assert.doesNotMatch(created.stderr, /provision|probes|env|param|message/);
  });

  it('start waits, printing each step; list shows "Starting (provisioning 3/4)" while the system script runs', bootTest, async () => {
    const start = corralProcess(home, ['start', name], env);
    await start.printed(/^prov: provisioning 3\/4: provision\[0\] \(mode system\)$/m);
    assert.match(await cli.ok(['list']), /^prov\s+Starting \(provisioning 3\/4\)\s+qemu/m);
    const [listed] = JSON.parse(await cli.ok(['list', '--json'])) as { state: string; guest?: { phase: string; step?: { index: number; total: number; name: string } } }[];
    assert.equal(listed?.state, 'Running', 'the VM state stays the driver\'s');
    assert.deepEqual(listed.guest?.step, { index: 3, total: 4, name: 'provision-00-system' });
    await inGuest('sudo touch /run/corral-e2e-go'); // SSH works while provisioning; the script goes on
    const done = await start.result;
    assert.equal(done.code, 0, done.stderr);
    const lines = done.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^Started prov \(pid \d+/);
    // One line per change the CLI sees: steps the guest passes faster than a file write is noticed
    // may be merged into the next, so the lines are checked in order, with the ones that must show.
    const expected = [
      'prov: booting',
      'prov: provisioning 1/4: provision[2] (mode boot)',
      'prov: provisioning 2/4: provision[3] (mode data)',
      'prov: provisioning 3/4: provision[0] (mode system)',
      'prov: provisioning 4/4: provision[1] (mode user)',
      'prov: probing 1/1: probes[0]',
      'prov: ready',
      'Welcome to prov: the colour is blue.',
    ];
    const printed = lines.slice(1);
    assert.deepEqual(printed, expected.filter((line) => printed.includes(line)), `in order, nothing else: ${printed.join(' | ')}`);
    for (const line of [expected[3], expected[6], expected[7]]) assert.ok(printed.includes(line ?? ''), `prints ${line}`);
  });

  it('lists it as Running once ready, with the message', async () => {
    assert.match(await cli.ok(['list']), /^prov\s+Running\s+qemu/m);
    const [listed] = JSON.parse(await cli.ok(['list', '--json'])) as { guest?: { phase: string; message?: string }; message?: string }[];
    assert.equal(listed?.guest?.phase, 'ready');
    assert.equal(listed.message, 'Welcome to prov: the colour is blue.\n');
  });

  it('ran every mode with env and params: data, system, user, boot', async () => {
    assert.equal(await inGuest('sudo stat -c "%U:%G %a" /etc/corral-e2e.conf; sudo cat /etc/corral-e2e.conf'), 'root:root 600\ncolour=blue\n');
    assert.equal(await inGuest('cat ~/provisioned'), `user ${process.getuid?.() === 0 ? 'lima' : String(process.env.USER)}: PARAM_COLOUR=blue\n`);
    assert.equal(await inGuest('cat /run/corral-e2e-boot'), 'boot mode ran\n');
    assert.equal(await inGuest('echo "$GREETING"'), 'hello from env\n', 'env reaches login sessions through /etc/environment');
  });

  it('logs the boot in the guest, on the serial console and in the instance folder', async () => {
    const log = await inGuest('sudo cat /var/log/corral-boot.log');
    assert.match(log, /provisioning 3\/4: provision-00-system\n(.*\n)*system: PARAM_COLOUR=blue GREETING=hello from env\n/);
    assert.match(log, /boot flow done \(exit 0\)/);
    const serial = await fs.readFile(path.join(home, 'instances', name, 'serial.log'), 'utf8');
    assert.match(serial, /CORRAL .*provisioning 4\/4: provision-01-user/);
    const copied = await fs.readFile(path.join(home, 'instances', name, 'guest-boot.log'), 'utf8');
    assert.match(copied, /probe-00 passed/);
  });

  it('on a restart whose system script fails: start exits 1 with the script, its exit status, last lines and the log', bootTest, async () => {
    await cli.ok(['stop', name]);
    const restarted = await cli.corral(['start', name]);
    assert.equal(restarted.code, 1, restarted.stdout);
    assert.match(restarted.stdout, /^prov: provisioning 3\/4: provision\[0\] \(mode system\)$/m);
    assert.match(restarted.stderr, /^provision\[0\] \(mode system\) failed; its last lines:\n {2}system: PARAM_COLOUR=blue GREETING=hello from env\n {2}second boot: failing on purpose\n/m);
    const log = path.join(home, 'instances', name, 'guest-boot.log');
    assert.ok(restarted.stderr.includes(`corral: prov: provisioning failed: provision[0] (mode system) exited with status 3; the whole log: ${log}`), restarted.stderr);
    assert.match(await fs.readFile(log, 'utf8'), /second boot: failing on purpose/);
    assert.match(await cli.ok(['list']), /^prov\s+Running \(provisioning failed\)/m);
    const [listed] = JSON.parse(await cli.ok(['list', '--json'])) as { guest?: { failure?: { script: string; exitStatus: number; lastLines: string[] } } }[];
    assert.deepEqual(listed?.guest?.failure, {
      script: 'provision[0] (mode system)', exitStatus: 3,
      lastLines: ['system: PARAM_COLOUR=blue GREETING=hello from env', 'second boot: failing on purpose'],
    });
  });
});

describe('a guest without sshd (the tiny guest)', () => {
  let root: string;
  let home: string;

  before(async () => {
    root = await tempDir('corral-no-sshd-');
    home = path.join(root, 'home');
  });

  after(async () => {
    if (home) await corralIn(home, process.env).corral(['delete', '--force', 'nossh']);
    if (root) await fs.rm(root, { recursive: true, force: true });
  });

  it('start ends at the timeout saying SSH never answered, with the state and the log to read; the agent ends with the VM', async () => {
    const env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache'), CORRAL_BOOT_TIMEOUT: '8' };
    const cli = corralIn(home, env);
    await cli.ok(['create', 'nossh', '--template', await writeGuestTemplate(root)]);
    const result = await cli.corral(['start', 'nossh']);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /^corral: nossh is running but not ready: no SSH login to \S+@127\.0\.0\.1:\d+ within 0\.1 min \(.*\): the guest may have no sshd or no network; .*serial\.log/m);
    assert.match(await cli.ok(['list']), /^nossh\s+Running \(not ready: timed out\)/m);
    const agent = JSON.parse(await fs.readFile(path.join(home, 'instances', 'nossh', 'hostagent.pid'), 'utf8')) as { pid: number };
    await waitForExit(agent.pid); // it ends at the timeout
    assert.equal(alive(agent.pid), false);
  });
});
