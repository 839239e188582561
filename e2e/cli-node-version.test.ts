// bin/corral.js under a Node too old for the TypeScript sources (the system /usr/bin/node is
// v20 on these machines) when the bundle is not to be run (CORRAL_FROM_SOURCES here; a stale or
// missing bundle alike): it re-runs itself with the project's Node, or says in one line what
// to do. Without an older Node on the machine there is nothing to test. The bundle on Node 20:
// e2e/cli-bundle.test.ts.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { childrenOf, waitForExit } from './support/processes.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const oldNode = '/usr/bin/node';
const fromSources = { ...process.env, CORRAL_REEXEC: '', CORRAL_FROM_SOURCES: '1' };

async function oldNodeVersion(): Promise<string | undefined> {
  const version = await promisify(execFile)(oldNode, ['--version']).then(({ stdout }) => stdout.trim(), () => undefined);
  const [major = 0, minor = 0] = (version ?? 'v99').slice(1).split('.').map(Number);
  return major < 22 || (major === 22 && minor < 18) ? version : undefined;
}
const version = await oldNodeVersion();

async function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(oldNode, [file, ...args], { env: fromSources })
    .then(({ stdout, stderr }) => ({ code: 0, stdout, stderr }))
    .catch((error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }));
}

describe('bin/corral.js on an old Node', { skip: version ? false : `${oldNode} is missing or is Node 22.18+ already: no older Node to run it with` }, () => {
  let root: string;
  before(async () => {
    root = await tempDir();
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('re-runs itself with the project\'s Node, keeping arguments and exit status', async () => {
    const help = await run(bin, ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: corral/);
    const wrong = await run(bin, ['frobnicate']);
    assert.equal(wrong.code, 2);
    assert.equal(wrong.stderr, 'corral: unknown command "frobnicate"; run corral --help\n');
  });

  it('says in one line which Node it needs when the project has none', async () => {
    const lone = path.join(root, 'bin', 'corral.js'); // a copy with no node_modules beside it
    await fs.mkdir(path.dirname(lone), { recursive: true });
    await fs.copyFile(bin, lone);
    const result = await run(lone, ['list']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `corral needs Node 22.18 or newer (found ${version}); run it through npm run corral or node_modules/.bin/node\n`);
  });

  it('passes SIGTERM on, so the re-run corral is not left behind', async () => {
    const parent = spawn(oldNode, [bin, '--home', path.join(root, 'home'), 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: fromSources });
    const exited = new Promise<number | null>((resolve) => parent.once('exit', (code) => resolve(code)));
    let said = '';
    await new Promise<void>((resolve, reject) => {
      parent.stdout.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        if (said.includes('Press Ctrl-C to stop')) resolve();
      });
      parent.once('exit', () => reject(new Error(`corral serve ended early: ${said}`)));
    });
    const [child] = childrenOf(parent.pid ?? -1);
    assert.ok(child, 'the project Node runs as a child');
    parent.kill('SIGTERM');
    assert.equal(await exited, 0, 'serve ends cleanly on SIGTERM, and its status comes back');
    await waitForExit(child);
  });
});
