// The host agent as a process, without a guest: started detached by spawnHostAgent, one per
// boot, ended by a new boot (boot-id) or by its VM's exit (a `sleep` stands in for QEMU; nothing
// listens on the SSH port, so the agent keeps trying, as it would while a guest boots).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { freeLoopbackPort } from '../ssh/guest-endpoint.ts';
import { readGuestStatus, writeBootId, writeGuestStatus } from '../guest/status.ts';
import { waitForGuest } from '../guest/wait.ts';
import { endHostAgent, runningAgent, sourceHostAgent, spawnHostAgent } from './spawn.ts';
import type { AgentArgs } from './args.ts';

/** Waits for a process that is not our child to go (no event exists for that): bounded polling. */
async function gone(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    assert.ok(Date.now() < deadline, `process ${pid} still runs after ${timeoutMs} ms`);
    await delay(50);
  }
}

describe('host agent process', () => {
  let dir: string;
  const vm = spawn('sleep', ['600'], { stdio: 'ignore' });

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-hostagent-'));
  });

  after(async () => {
    vm.kill();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function start(bootId: string): Promise<{ args: AgentArgs; pid: number }> {
    await writeBootId(dir, bootId);
    await writeGuestStatus(dir, { bootId, phase: 'booting', updatedAt: new Date().toISOString() });
    const args: AgentArgs = {
      dir, bootId, vmPid: vm.pid ?? -1, timeoutMs: 600_000,
      target: { host: '127.0.0.1', port: await freeLoopbackPort(), user: 'nobody', identityFile: path.join(dir, 'no-key') },
    };
    return { args, pid: await spawnHostAgent(sourceHostAgent, args) };
  }

  it('runs one agent per boot: a second start of the same boot keeps it, a new boot ends the old one', async () => {
    const first = await start('iid-1');
    assert.equal(await spawnHostAgent(sourceHostAgent, first.args), first.pid, 'the same boot: no second agent');
    assert.equal((await runningAgent(dir))?.pid, first.pid);
    const second = await start('iid-2');
    assert.notEqual(second.pid, first.pid);
    await gone(first.pid);
    assert.equal((await runningAgent(dir))?.pid, second.pid);
  });

  it('runs in a low-priority scheduling group while its guest boots, the VM keeping its share', { skip: existsSync('/proc/self/autogroup') ? false : 'no autogroups here' }, async () => {
    const agent = await runningAgent(dir);
    assert.ok(agent, 'the second agent runs');
    assert.match(await fs.readFile(`/proc/${agent.pid}/autogroup`, 'utf8'), /nice 10\n$/);
    // Empty for the root group (a process that never left the first session, as in a container): a normal share too.
    assert.match(await fs.readFile(`/proc/${process.pid}/autogroup`, 'utf8'), /^$|nice 0\n$/, 'its starter keeps a normal share');
  });

  it('is ended by a stop: endHostAgent returns once the agent has exited, after its last status is written', async () => {
    const third = await start('iid-3');
    // Once it runs (its first log line): a SIGTERM before its handler is set ends it at once, writing nothing.
    const log = path.join(dir, 'hostagent.log');
    for (const deadline = Date.now() + 10_000; !(await fs.readFile(log, 'utf8')).includes('following boot iid-3');) {
      assert.ok(Date.now() < deadline, 'the agent never logged its start');
      await delay(50);
    }
    await endHostAgent(dir);
    assert.throws(() => process.kill(third.pid, 0), { code: 'ESRCH' }, 'the agent has exited when endHostAgent returns');
    assert.equal(await runningAgent(dir), undefined);
    assert.match(await fs.readFile(log, 'utf8'), /ended: stopped\n$/, 'it ended on its own terms (SIGTERM handled), not killed');
    await endHostAgent(dir); // none running: nothing to do
    await start('iid-2'); // the next check follows a running agent again
  });

  it('ends with its VM, telling a waiting `start` that the VM stopped before the guest was ready', async () => {
    const agent = await runningAgent(dir);
    assert.ok(agent, 'the second agent runs');
    const waited = waitForGuest(dir, () => undefined);
    vm.kill();
    const status = await waited;
    assert.equal(status.phase, 'failed');
    assert.equal(status.message, 'the VM stopped before the guest was ready');
    await gone(agent.pid);
    assert.match(await fs.readFile(path.join(dir, 'hostagent.log'), 'utf8'), /ended: stopped\n$/);
    assert.equal((await readGuestStatus(dir))?.bootId, 'iid-2');
  });
});
