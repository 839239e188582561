// The stats maths: /proc parsing, CPU % of one CPU between two readings, byte rates, and a
// sampler of this very test process (a real /proc, a real busy loop).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteRate, cpuPercent, parseCpuTicks, parseRssBytes, readProcess } from './process-stats.ts';
import { processSampler as sampler } from './stats-streams.ts';

// A real line's shape; the command name holds a space and a ')' to make the split honest.
const stat = (utime: number, stime: number) =>
  `4242 (qemu-system) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 ${utime} ${stime} 0 0 20 0 3 0 100 1000000 5000 18446744073709551615`;

describe('process figures', () => {
  it('reads utime + stime after the command name, whatever the name holds', () => {
    assert.equal(parseCpuTicks(stat(150, 50)), 200);
    assert.throws(() => parseCpuTicks('4242 (short) S 1'), /unexpected \/proc stat line/);
  });

  it('reads VmRSS in bytes, and 0 when there is none', () => {
    assert.equal(parseRssBytes('Name:\tqemu\nVmRSS:\t  204800 kB\nThreads:\t3\n'), 204800 * 1024);
    assert.equal(parseRssBytes('Name:\tkthreadd\n'), 0);
  });

  it('turns two readings into % of one CPU: one CPU busy is 100, two are 200, idle 0', () => {
    const at = (atMs: number, cpuTicks: number) => ({ atMs, cpuTicks, rssBytes: 0 });
    assert.equal(cpuPercent(at(0, 1000), at(1000, 1100)), 100);
    assert.equal(cpuPercent(at(0, 1000), at(500, 1100)), 200);
    assert.equal(cpuPercent(at(0, 1000), at(2000, 1000)), 0);
    assert.equal(cpuPercent(at(0, 1000), at(1000, 1025), 100), 25);
    assert.equal(cpuPercent(at(1000, 0), at(1000, 10)), null, 'no elapsed time: no figure');
  });

  it('gives byte rates per second, null without an earlier total, never negative', () => {
    assert.equal(byteRate(1000, 3000, 500), 4000);
    assert.equal(byteRate(undefined, 3000, 500), null);
    assert.equal(byteRate(3000, 1000, 1000), 0);
  });
});

describe('processSampler on this process', () => {
  // The host is shared (load often far above its cores), so a busy loop gets what the scheduler
  // gives it: the sampler must agree with Node's own account of this process's CPU time.
  it('reports the CPU this process used while it spins, as Node counts it, and its own memory', async () => {
    const take = sampler(process.pid, async () => ({ disk: { readBytes: 10, writtenBytes: 0 }, network: null }));
    const first = await take.sample();
    const usageBefore = process.cpuUsage();
    const wallBefore = performance.now();
    assert.equal(first.cpuPercent, null, 'a stream\'s first sample has no interval');
    assert.equal(first.disk?.readRate, null);
    const until = performance.now() + 1000;
    while (performance.now() < until); // one CPU, busy
    const second = await take.sample();
    const used = process.cpuUsage(usageBefore);
    const nodePercent = ((used.user + used.system) / 1000 / (performance.now() - wallBefore)) * 100;
    assert.ok(second.cpuPercent !== null && Math.abs(second.cpuPercent - nodePercent) < 10, `sampler ${second.cpuPercent} %, Node ${nodePercent} %`);
    assert.ok(second.cpuPercent > 5, 'a spinning process is seen spinning');
    assert.ok(second.memoryBytes > 10 * 1024 ** 2, 'Node holds more than 10 MiB');
    assert.equal(second.disk?.readRate, 0);
    assert.equal(second.network, null);
    assert.ok(second.intervalMs >= 1000);
  });

  it('rejects once the process is gone', async () => {
    await assert.rejects(readProcess(2 ** 22 + 7));
  });
});
