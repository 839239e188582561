// The SDK guide's example driver, packed the way the guide says, installed, and run through
// its lifecycle under the sandbox (or unsandboxed, said so, where there is none).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { repoRoot, tempDir } from '../../../../e2e/support/temp.ts';
import type { InstanceSpec } from '../../../../src-drivers/sdk/protocol.ts';
import { DriverHost } from '../host.ts';
import { forkDriverProcess } from '../process.ts';
import { bundleDriverEntry } from '../sandbox/entries.ts';
import { sandboxSupport } from '../sandbox/spawn.ts';
import { installBundle } from './install.ts';
import { packBundle } from './pack.ts';

const cleanups: (() => Promise<void>)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

test('the example driver packs, installs and runs its lifecycle', async () => {
  const root = await tempDir('corral-example-');
  cleanups.push(() => fs.rm(root, { recursive: true, force: true }));
  const out = path.join(root, 'build');
  await build({ entryPoints: [path.join(repoRoot, 'src-drivers/example/main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: path.join(out, 'main.mjs'), logLevel: 'silent' });
  await fs.copyFile(path.join(repoRoot, 'src-drivers/example/manifest.json'), path.join(out, 'manifest.json'));
  const { file } = await packBundle(out);
  const home = path.join(root, 'home');
  const support = sandboxSupport();
  const installed = await installBundle(home, file, { confirm: async () => true, sandbox: support });
  const paths = { instances: path.join(home, 'instances'), runtimeRoot: path.join(root, 'run'), downloads: path.join(root, 'dl'), driverCache: (d: string) => path.join(root, 'cache', d) };
  const host = new DriverHost(bundleDriverEntry(installed, paths, support), { spawn: forkDriverProcess, logDir: path.join(home, 'logs'), cacheDir: paths.driverCache('example') });
  cleanups.push(() => host.dispose());
  const dir = path.join(paths.instances, 'one');
  await fs.mkdir(dir, { recursive: true });
  const spec: InstanceSpec = { name: 'one', dir, runtimeDir: path.join(paths.runtimeRoot, 'one'), config: { vmType: 'example', arch: 'x86_64', cpus: 1, memoryBytes: 1 << 28, diskBytes: 1 << 30, display: 'none' } };
  await host.call('validate', spec);
  await host.call('create', spec);
  await host.call('start', spec);
  assert.equal((await host.call('inspect', spec)).state, 'Running');
  await host.call('stop', spec, { force: false, timeoutMs: 1000 });
  await host.call('delete', spec);
  await assert.rejects(host.call('validate', { ...spec, config: { ...spec.config, arch: 'aarch64' } }), { code: 'INVALID_CONFIG' });
});
