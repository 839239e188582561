// `corral stop|start|... NAME` forks the instance's QEMU driver before it loads the engine
// (src-main/cli/prefork.ts), so the driver's start-up overlaps the CLI's; bin/corral.js does it
// before the CLI's own code loads. Seen from inside the
// CLI: a module hook names the driver processes already running when the engine's code loads.
// Only an instance recorded as local QEMU gets one; the command's answer is unchanged, and no
// driver outlives the command. No VM is booted: stop on a stopped instance asks the driver.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralRunner } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { guestTemplate } from './support/guest.ts';
import { waitForExit } from './support/processes.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const hook = path.join(repoRoot, 'e2e', 'support', 'early-driver-hook.ts');

describe('the CLI forks the driver before loading the engine', () => {
  let root: string;
  let home: string;
  let plain: CorralRunner;
  let hooked: CorralRunner;
  /** Runs corral from the sources; the driver pids running when the engine (`early`) and the CLI's main module (`first`) loaded. */
  async function corral(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; early: number[] | undefined; first: number[] | undefined }> {
    const result = await hooked(args);
    const running = (what: string) => {
      const said = new RegExp(`^${what} loading; drivers already running: (.*)$`, 'm').exec(result.stderr)?.[1];
      return said === undefined ? undefined : said === 'none' ? [] : said.split(',').map(Number);
    };
    return { ...result, early: running('engine'), first: running('cli') };
  }

  before(async () => {
    root = await tempDir();
    home = path.join(root, 'home');
    const options = { env: { CORRAL_QEMU_ACCEL: 'tcg', CORRAL_FROM_SOURCES: '1' } };
    plain = corralRunner(home, path.join(root, 'cache'), options);
    hooked = corralRunner(home, path.join(root, 'cache'), { ...options, nodeArgs: ['--import', hook] });
    const created = await plain(['create', 'early', '--template', await guestTemplate()]);
    assert.equal(created.code, 0, created.stderr);
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  it('has the driver running before the engine loads, answers as before, and leaves no driver', async () => {
    const result = await corral('stop', 'early');
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /instance "early" is not running/);
    assert.equal(result.early?.length, 1, `one driver was forked before the engine loaded: ${result.stderr}`);
    // bin/corral.js forks it first of all, before even the CLI's argument parser loads.
    assert.deepEqual(result.first, result.early, `the same driver was forked before the CLI's code loaded: ${result.stderr}`);
    for (const pid of result.early ?? []) await waitForExit(pid);
  });

  it('forks nothing early for an instance recorded on another connection, and still answers', async () => {
    const facts = path.join(home, 'instances', 'early', 'config-facts.json');
    const recorded = JSON.parse(await fs.readFile(facts, 'utf8')) as { effective: { connection: string } };
    recorded.effective.connection = 'elsewhere';
    await fs.writeFile(facts, JSON.stringify(recorded)); // a stale hint: lima.yaml still says local
    const result = await corral('stop', 'early');
    assert.deepEqual(result.early, [], result.stderr);
    assert.deepEqual(result.first, [], result.stderr);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /instance "early" is not running/);
  });

  it('forks nothing for a command that needs no driver at once', async () => {
    const result = await corral('cache', 'list');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.early, []);
    assert.deepEqual(result.first, []);
  });
});
