// What a brokered process gets, seen from the host: its own session (it outlives whoever asked),
// the host's PID namespace (its pid means the same everywhere), and a root holding only what
// the request named: a granted file reads, a file beside it does not exist.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { alive, waitForExit } from '../../../../e2e/support/processes.ts';
import { launchDetached } from './launch.ts';
import type { BrokerGrants } from './grants.ts';

let root: string;
let grants: BrokerGrants;
const started: number[] = [];

before(async () => {
  root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'corral-launch-')));
  for (const dir of ['granted', 'secret', 'out']) await fs.mkdir(path.join(root, dir));
  await fs.writeFile(path.join(root, 'granted', 'data.txt'), 'granted data\n');
  await fs.writeFile(path.join(root, 'secret', 'key.txt'), 'the user\'s secret\n');
  grants = { driver: 'd', executables: ['/usr/bin/cat', '/usr/bin/sleep'], readable: [root], writable: [root], data: [], network: false };
});

after(async () => {
  for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await fs.rm(root, { recursive: true, force: true });
});

/** Field `n` (1-based, as in proc(5)) of /proc/PID/stat. */
async function statField(pid: number, n: number): Promise<string> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3] ?? '';
}

test('reads a file it was given, and finds nothing else of the host', async () => {
  const log = path.join(root, 'out', 'cat.log');
  const { pid } = await launchDetached({
    executable: '/usr/bin/cat', args: [path.join(root, 'granted', 'data.txt'), path.join(root, 'secret', 'key.txt'), '/etc/passwd'],
    files: [{ path: path.join(root, 'granted', 'data.txt'), write: false }, { path: path.join(root, 'out'), write: true }], sockets: [], log,
  }, grants);
  started.push(pid);
  await waitForExit(pid);
  const text = await fs.readFile(log, 'utf8');
  assert.match(text, /^granted data$/m);
  assert.match(text, /secret\/key\.txt: No such file or directory/);
  assert.match(text, /\/etc\/passwd: No such file or directory/);
  assert.doesNotMatch(text, /the user's secret|root:/);
});

test('runs in its own session and root, in the host\'s PID namespace, without network', async () => {
  const { pid } = await launchDetached({
    executable: '/usr/bin/sleep', args: ['60'], files: [{ path: path.join(root, 'out'), write: true }], sockets: [], log: path.join(root, 'out', 'sleep.log'),
  }, grants);
  started.push(pid);
  assert.ok(alive(pid));
  // bwrap reports its child's pid before that child has exec'd the program: the same pid
  // becomes the program a moment later (bounded wait for that exec, not a sleep).
  assert.equal(await programOf(pid), '/usr/bin/sleep', 'the pid is the program\'s own, not bwrap\'s');
  assert.notEqual(await statField(pid, 6), await statField(process.pid, 6), 'a session of its own');
  assert.equal(await fs.readlink(`/proc/${pid}/ns/pid`), await fs.readlink('/proc/self/ns/pid'), 'the host\'s PID namespace');
  assert.notEqual(await fs.readlink(`/proc/${pid}/ns/mnt`), await fs.readlink('/proc/self/ns/mnt'), 'a root of its own');
  assert.notEqual(await fs.readlink(`/proc/${pid}/ns/net`), await fs.readlink('/proc/self/ns/net'), 'no network: its manifest grants none');
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid);
});

/** What `pid` runs once it has exec'd past bwrap (polls /proc for up to 5 s). */
async function programOf(pid: number): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const program = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] ?? '';
    // Empty while the exec replaces bwrap's image, then the program's path.
    if ((program !== '' && !program.endsWith('bwrap')) || Date.now() > deadline) return program;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
