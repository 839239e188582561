// `corral delete` and `corral restart` of a Broken instance, as a user types them: the scripted
// test driver, installed as a bundle, stands in for a driver that lost its hypervisor (a file
// named "unreachable" in the instance folder) and for a hung VM (its state file says Broken).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralRunner, installFixtureBundle } from './support/cli.ts';
import type { CorralRunner } from './support/cli.ts';
import { tempDir, writeTemplate } from './support/temp.ts';

describe('corral delete and restart of a Broken instance', () => {
  let root: string;
  let home: string;
  let template: string;
  let corral: CorralRunner;

  async function ok(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const result = await corral(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')} failed: ${result.stderr}`);
    return result;
  }

  /** Runs a command that must be refused: exit 1 and one line on stderr matching `pattern`. */
  async function refused(args: string[], pattern: RegExp): Promise<void> {
    const result = await corral(args);
    assert.equal(result.code, 1, `corral ${args.join(' ')} should fail; it said: ${result.stdout}`);
    assert.match(result.stderr, /^corral: [^\n]+\n$/, `one line on stderr, got: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }

  const dir = (name: string) => path.join(home, 'instances', name);

  before(async () => {
    root = await tempDir('corral-cli-broken-');
    home = path.join(root, 'home');
    corral = corralRunner(home, path.join(root, 'cache'));
    await installFixtureBundle(corral, root, { fixture: 'scripted-driver.ts', name: 'scripted', description: 'test driver without a hypervisor', network: false });
    template = await writeTemplate(root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
  });

  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses to stop, restart or delete one whose driver cannot answer, saying why and what --force does; delete --force deletes it and warns of what may remain', async () => {
    await ok('create', 'lost', '--template', template);
    await ok('start', 'lost', '--no-wait');
    await fs.writeFile(path.join(dir('lost'), 'unreachable'), '');
    const cannotStop = /^corral: the scripted driver cannot answer for the VM of "lost" \(cannot reach the scripted hypervisor: its socket is gone\), so Corral cannot stop it\. Try again once the driver answers, or delete the instance with --force: .*may remain\n$/;
    await refused(['stop', '--force', 'lost'], cannotStop);
    await refused(['restart', '--force', 'lost'], cannotStop);
    await refused(['delete', 'lost'], /^corral: the scripted driver cannot say whether the VM of "lost" runs: cannot reach the scripted hypervisor: its socket is gone\. Delete with --force to remove it anyway: /);
    assert.ok(await fs.stat(path.join(dir('lost'), 'lima.yaml')), 'a refused delete leaves it in place');
    const { stdout, stderr } = await ok('delete', '--force', 'lost');
    assert.equal(stdout, 'Deleted lost.\n');
    assert.match(stderr, /^warning: the scripted driver could not delete the VM of "lost" \(cannot reach the scripted hypervisor: its socket is gone\): .*may remain; check with the hypervisor's own tools\n$/);
    await assert.rejects(fs.stat(dir('lost')), 'its folder is gone');
    assert.deepEqual(JSON.parse((await ok('list', '--json')).stdout), []);
  });

  it('restarts a hung one only with --force', async () => {
    await ok('create', 'hung', '--template', template);
    await ok('start', 'hung', '--no-wait');
    await fs.writeFile(path.join(dir('hung'), 'scripted-vm.json'), JSON.stringify({ state: 'Broken', reason: 'the guest stopped answering' }));
    await refused(['restart', 'hung'], /^corral: instance "hung" is Broken, so it cannot shut down; restart it with --force to end it at once and start it again\n$/);
    await ok('restart', '--force', 'hung');
    const [listed] = JSON.parse((await ok('list', '--json')).stdout) as { name: string; state: string }[];
    assert.deepEqual([listed?.name, listed?.state], ['hung', 'Running']);
    await ok('delete', '--force', 'hung');
  });
});
