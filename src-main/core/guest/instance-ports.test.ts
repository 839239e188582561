// ports.json read against live facts: live only while the instance runs and its writer lives;
// a record from a process that has ended is stale and says so; a damaged one names the file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { instancePorts, notYetForwarded } from './instance-ports.ts';
import { portsFileName, writePortsFile } from './ports-file.ts';
import { bootIdFileName, writeBootId } from './status.ts';

const forward = { guestPort: 8080, hostIP: '127.0.0.1', hostPort: 8080, proto: 'tcp' as const, source: 'discovered' as const };
const problem = { guestPort: 3000, message: '127.0.0.1:3000 -> guest port 3000 not forwarded: host port 3000 on 127.0.0.1 is in use by another program' };

describe('the ports of an instance', () => {
  let dir: string;
  before(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-ports-')); });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('says when no forwarding has run, and that a stopped instance forwards nothing', async () => {
    assert.deepEqual(await instancePorts(dir, 'vm', 'Running'), { live: false, note: notYetForwarded('vm'), forwards: [], problems: [] });
    assert.match(notYetForwarded('vm'), /^Ports of "vm" are forwarded once its guest is ready/);
    await writePortsFile(dir, { pid: process.pid, forwards: [forward], problems: [] });
    const stopped = await instancePorts(dir, 'vm', 'Stopped');
    assert.equal(stopped.live, false);
    assert.deepEqual(stopped.forwards, []);
    assert.equal(stopped.note, 'Instance "vm" is Stopped: nothing is forwarded.');
  });

  it('lists live forwards and problems while the writer lives', async () => {
    await writePortsFile(dir, { pid: process.pid, forwards: [forward], problems: [problem] });
    const ports = await instancePorts(dir, 'vm', 'Running');
    assert.equal(ports.live, true);
    assert.deepEqual(ports, { live: true, forwards: [forward], problems: [problem], updatedAt: ports.updatedAt });
  });

  it('marks the record stale once the process that wrote it has ended', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.once('exit', resolve));
    await writePortsFile(dir, { pid, forwards: [forward], problems: [] });
    const ports = await instancePorts(dir, 'vm', 'Running');
    assert.equal(ports.live, false);
    assert.match(ports.note ?? '', new RegExp(`^Stale: the process that forwarded these ports \\(pid ${pid}\\) has ended, so none of them answers`));
    assert.deepEqual(ports.forwards, [forward], 'what was forwarded is still shown, marked stale');
  });

  it('after a restart, reads the last boot\'s record as none: forwarded once ready, nothing stale, no "restart"', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.once('exit', resolve));
    await writeBootId(dir, 'iid-1');
    await writePortsFile(dir, { pid, bootId: 'iid-1', forwards: [forward], problems: [] });
    await writeBootId(dir, 'iid-2'); // the new start
    assert.deepEqual(await instancePorts(dir, 'vm', 'Running'), { live: false, note: notYetForwarded('vm'), forwards: [], problems: [] });
    // The new boot's forwarder writes: its record counts again.
    await writePortsFile(dir, { pid: process.pid, bootId: 'iid-2', forwards: [forward], problems: [] });
    assert.equal((await instancePorts(dir, 'vm', 'Running')).live, true);
    await fs.rm(path.join(dir, bootIdFileName));
  });

  it('refuses a damaged ports.json, naming it', async () => {
    await fs.writeFile(path.join(dir, portsFileName), '{"pid": "nope"}');
    await assert.rejects(instancePorts(dir, 'vm', 'Running'), new RegExp(`${path.join(dir, portsFileName).replaceAll('.', '\\.')} is damaged`));
  });
});
