// The driver process the CLI forks before it loads the engine (prefork.ts), with the real QEMU
// driver entry: forked only for a driver command on an instance recorded as local QEMU, handed
// to the engine's first matching spawn and to no other, ended when unused, and gone with a CLI
// that is killed before the engine took it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alive, waitForExit } from '../../e2e/support/processes.ts';
import { tempDir } from '../../e2e/support/temp.ts';
import { qemuDriverEntry } from '../core/drivers/builtin-entries.ts';
import { driverProcessOf, forkDriverProcess } from '../core/drivers/process.ts';
import type { DriverProcess, SpawnOptions } from '../core/drivers/process.ts';
import { preforkDriver } from './prefork.ts';

let home: string;

async function writeFacts(name: string, facts: string): Promise<void> {
  await fs.mkdir(path.join(home, 'instances', name), { recursive: true });
  await fs.writeFile(path.join(home, 'instances', name, 'config-facts.json'), facts);
}
const localQemu = JSON.stringify({ effective: { vmType: 'qemu', connection: 'local' } });

before(async () => {
  home = await tempDir('corral-prefork-');
  await writeFacts('vm', localQemu);
  await writeFacts('remote', JSON.stringify({ effective: { vmType: 'libvirt', connection: 'libvirt' } }));
  await writeFacts('damaged', '{"effective": {"vmType": "qemu"');
});
after(() => fs.rm(home, { recursive: true, force: true }));

describe('preforkDriver', () => {
  it('forks nothing for other commands, other drivers, damaged or missing facts and bad names', async () => {
    for (const positionals of [['list'], ['create', 'vm'], ['start', 'remote'], ['start', 'damaged'], ['start', 'absent'], ['start', '../vm'], ['start']]) {
      assert.equal(await preforkDriver(positionals, home), undefined, positionals.join(' '));
    }
  });

  it('hands its early QEMU driver to the first matching spawn only, and that driver answers', async () => {
    const early = await preforkDriver(['start', 'vm'], home);
    assert.ok(early?.pid, 'a driver was forked');
    const fallbacks: SpawnOptions[] = [];
    const spawnDriver = early.spawn((options) => {
      fallbacks.push(options);
      return forkDriverProcess(options);
    }, driverProcessOf);
    const logFile = path.join(home, 'logs', 'driver-qemu.log');
    const other = spawnDriver({ entry: qemuDriverEntry(), logFile: path.join(home, 'logs', 'driver-qemu@elsewhere.log') });
    const taken = spawnDriver({ entry: qemuDriverEntry(), logFile });
    const again = spawnDriver({ entry: qemuDriverEntry(), logFile });
    try {
      assert.equal(taken.pid, early.pid, 'the engine got the early process');
      assert.equal(fallbacks.length, 2, 'a different log and a second spawn were forked afresh');
      assert.notEqual(other.pid, early.pid);
      assert.notEqual(again.pid, early.pid);
      // The link works: the driver's handshake answers over the taken process.
      assert.equal((await hello(taken)).name, 'qemu');
      early.dispose(); // taken: not the preforker's to end any more
      assert.ok(taken.pid !== undefined && alive(taken.pid), 'dispose left the taken driver running');
    } finally {
      for (const driver of [other, taken, again]) driver.kill();
      await Promise.all([other.exited, taken.exited, again.exited]);
    }
  });

  it('ends an early driver the engine did not take', async () => {
    const early = await preforkDriver(['stop', 'vm'], home);
    assert.ok(early?.pid);
    early.dispose();
    await waitForExit(early.pid);
  });

  it('leaves no driver behind when the CLI is killed before the engine took it', async () => {
    // A stand-in CLI: forks early, says the pid, then waits for ever as if loading the engine.
    const script = `import { preforkDriver } from ${JSON.stringify(new URL('./prefork.ts', import.meta.url).href)};
      const early = await preforkDriver(['start', 'vm'], ${JSON.stringify(home)});
      process.stdout.write(early.pid + '\\n'); setInterval(() => undefined, 1000);`;
    const cli = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      cli.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      cli.once('exit', (code) => reject(new Error(`the stand-in CLI exited with ${code}`)));
    });
    assert.ok(alive(pid), 'the early driver runs');
    cli.kill('SIGKILL');
    await waitForExit(pid);
  });
});

/** The driver's hello, straight over its link (what DriverHost sends first). */
async function hello(driver: DriverProcess): Promise<{ name: string }> {
  const { wrapLink } = await import('../../src-drivers/sdk/rpc.ts');
  const remote = wrapLink<{ hello(): Promise<{ name: string }> }>(driver.link);
  return remote.hello();
}
