// The booting agent's scheduling group: lowered by its starter, taken back by the agent itself
// (a real detached process, a session and so an autogroup of its own; Linux with autogroups).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { bootingAgentNice, setAutogroupNice } from './cpu-share.ts';

const autogroups = existsSync('/proc/self/autogroup');
// A process that never left the first session (a container's, or init's) is in the root group,
// whose file reads empty: a normal share, as 'nice 0' is.
const niceOf = (pid: number): string => readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim().split(' ').pop() || '0';

describe('host agent CPU share', { skip: autogroups ? false : 'this kernel has no autogroups (/proc/self/autogroup)' }, () => {
  it('is lowered from outside and taken back from inside, to a normal share and no further', async () => {
    // The child waits for a line, then takes its share back and says done.
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { takeFullCpuShare } = await import(${JSON.stringify(new URL('./cpu-share.ts', import.meta.url).href)});
      process.stdin.once('data', async () => { await takeFullCpuShare(); process.stdout.write('done'); process.exit(0); });
    `], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      assert.ok(child.pid);
      assert.equal(setAutogroupNice(child.pid, bootingAgentNice), 'set');
      assert.equal(niceOf(child.pid), String(bootingAgentNice));
      assert.equal(niceOf(process.pid), '0', 'a group of its own: this process keeps its share');
      child.stdin.write('go\n');
      await once(child.stdout, 'data');
      assert.equal(niceOf(child.pid), '0');
    } finally {
      child.kill();
    }
  });

  it('says unavailable for a process that is gone', () => {
    assert.equal(setAutogroupNice(2 ** 22 + 1, 10), 'unavailable'); // above the largest pid Linux hands out
  });
});
