// Live figures of a real QEMU guest through the engine: a guest spinning its one vCPU is seen
// spinning (about 100 % of a host CPU on an idle host), idle it is not, memory and disk are
// there, bytes sent to the VM's forwarded port show as network in, and the samples stop with the VM. The host is shared and often loaded beyond its
// cores, so "about 100 %" is judged against what a spinning host process gets in the same
// seconds (measured from /proc, beside the guest), not against a fixed number.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../src-main/core/engine.ts';
import type { StatsUpdate } from '../src-main/core/stats/hub.ts';
import type { StatsSample } from '../src-drivers/sdk/protocol.ts';
import { cpuPercent, readProcess } from '../src-drivers/sdk/kit/process-stats.ts';
import { readEndpoint } from '../src-main/core/ssh/guest-endpoint.ts';
import { ConsoleText, readyMarker, writeGuestTemplate } from './support/guest.ts';
import { tempDir } from './support/temp.ts';

/** The updates one watcher got, with a way to wait for the next ones. */
class Watcher {
  readonly updates: StatsUpdate[] = [];
  readonly #waiters = new Set<() => void>();
  readonly listener = (update: StatsUpdate): void => {
    this.updates.push(update);
    for (const wake of this.#waiters) wake();
  };

  get samples(): StatsSample[] {
    return this.updates.flatMap((u) => (u.type === 'sample' ? [u.sample] : []));
  }

  /** Waits until `done` holds, for at most `timeoutMs` (samples come each second). */
  until(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`never saw ${what}; got ${JSON.stringify(this.updates.slice(-3))}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  /** The mean CPU % of the next `count` samples. */
  async meanCpu(count: number): Promise<number> {
    const from = this.samples.length;
    await this.until(() => this.samples.length >= from + count, `${count} more samples`);
    const taken = this.samples.slice(from, from + count).map((s) => s.cpuPercent ?? 0);
    return taken.reduce((a, b) => a + b, 0) / taken.length;
  }
}

describe('live figures of a QEMU guest', () => {
  let root: string;
  let engine: Engine;
  const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), cache });
  });
  after(async () => {
    for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('shows a spinning vCPU at about a spinning host process\'s CPU, idle far below, and stops with the VM', async (t) => {
    await engine.create('spin', { template: await writeGuestTemplate(root) });
    await engine.start('spin');
    const session = await engine.openConsole('spin');
    const console = new ConsoleText();
    session.onData((bytes) => console.push(bytes));
    await console.waitFor(readyMarker);

    const watcher = new Watcher();
    const second = new Watcher();
    const stop = engine.stats.watch('spin', watcher.listener);
    const stopSecond = engine.stats.watch('spin', second.listener);
    assert.deepEqual(engine.stats.watchedNames, ['spin'], 'two watchers, one instance watched');
    await watcher.until(() => watcher.samples.some((s) => s.cpuPercent !== null), 'a sample with a CPU figure');
    const first = watcher.samples.at(-1) as StatsSample;
    assert.ok(first.memoryBytes > 20 * 1024 ** 2, `QEMU holds the guest's memory (${first.memoryBytes} B)`);
    assert.ok(first.disk, 'disk totals from query-blockstats');
    assert.ok(first.network, 'network totals from the QEMU process\'s TCP sockets');
    // Bytes to the VM's forwarded SSH port reach QEMU's socket for it (the tiny guest has no
    // network driver to take them further): the VM's network in, as its host sees it.
    const ssh = (await readEndpoint(path.join(root, 'home', 'instances', 'spin')))?.ssh;
    assert.ok(ssh, 'the QEMU driver forwards an SSH port');
    const client = net.connect(ssh.port, '127.0.0.1');
    await once(client, 'connect');
    const sent = 20_000;
    client.write(Buffer.alloc(sent));
    const rxBefore = first.network.rxBytes;
    await watcher.until(() => (watcher.samples.at(-1)?.network?.rxBytes ?? 0) - rxBefore >= sent, `${sent} B more network in`);
    assert.ok(watcher.samples.some((s) => (s.network?.rxRate ?? 0) > 0), 'a network-in rate while the bytes came');
    client.destroy();
    await second.until(() => second.samples.length > 0, 'samples for the second watcher');
    stopSecond();

    const idle = await watcher.meanCpu(3);

    session.write(Buffer.from('while :; do :; done &\n'));
    await watcher.until(() => (watcher.samples.at(-1)?.cpuPercent ?? 0) > idle + 10, 'the CPU rise');
    // A host process spinning in the same seconds: what "one CPU" can be on this host right now.
    const spinner = spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' });
    try {
      const pid = spinner.pid as number;
      const hostBefore = await readProcess(pid);
      const spinning = await watcher.meanCpu(4);
      const host = cpuPercent(hostBefore, await readProcess(pid)) ?? 0;
      t.diagnostic(`idle guest ${idle.toFixed(1)} %, spinning guest ${spinning.toFixed(1)} %, spinning host process ${host.toFixed(1)} % of one CPU`);
      assert.ok(spinning > 3 * idle, `spinning (${spinning.toFixed(1)} %) is far above idle (${idle.toFixed(1)} %)`);
      assert.ok(spinning > 0.6 * host, `the guest's vCPU (${spinning.toFixed(1)} %) gets about what a host process gets (${host.toFixed(1)} %)`);
      assert.ok(spinning < 150, `one vCPU is at most about one CPU (${spinning.toFixed(1)} %)`);
    } finally {
      spinner.kill('SIGKILL');
    }

    await engine.stop('spin', { force: true });
    await watcher.until(() => watcher.updates.at(-1)?.type === 'ended', 'the end of the samples');
    const ended = watcher.updates.length;
    assert.deepEqual(engine.stats.watchedNames, ['spin'], 'the watcher stays while the VM is stopped');

    // Started again, the watched instance's figures come again by themselves.
    await engine.start('spin');
    await watcher.until(() => watcher.updates.slice(ended).some((u) => u.type === 'sample'), 'samples after the next start');
    stop();
    assert.deepEqual(engine.stats.watchedNames, [], 'nothing watched once the last watcher left');
    await engine.stop('spin', { force: true });
    await session.close();
  });
});
