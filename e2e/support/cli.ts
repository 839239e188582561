// The real `corral` command for CLI specs: a runner bound to one data root that returns the exit
// code and both streams (never throws), and a fixture driver packed and installed through it.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { runToEnd } from './processes.ts';
import type { RunResult } from './processes.ts';
import { corralBin } from './serve.ts';
import { fixtureDriver } from './temp.ts';

export type CorralResult = RunResult;
/** Runs one corral command to its end; `env` adds to the runner's environment for this call only. */
export type CorralRunner = (args: string[], env?: NodeJS.ProcessEnv) => Promise<CorralResult>;

export interface CorralRunnerOptions {
  /** More environment for every command (CORRAL_QEMU_ACCEL, HOME, CORRAL_FROM_SOURCES...). */
  env?: NodeJS.ProcessEnv;
  /** Node's own arguments before bin/corral.js, e.g. `['--import', hook]`. */
  nodeArgs?: string[];
}

/** Runs bin/corral.js on `home`, with its download cache at `cache` and stdin closed. */
export function corralRunner(home: string, cache: string, options: CorralRunnerOptions = {}): CorralRunner {
  return (args, env = {}) => runToEnd(process.execPath, [...(options.nodeArgs ?? []), corralBin, '--home', home, ...args], {
    env: { ...process.env, CORRAL_CACHE: cache, ...options.env, ...env },
  });
}

export interface FixtureBundle {
  /** The fixture's file in e2e/fixtures/drivers. */
  fixture: string;
  name: string;
  description: string;
  network: boolean;
}

/** Bundles a fixture driver, packs it with `corral driver pack` and installs it with `--yes`. */
export async function installFixtureBundle(corral: CorralRunner, folder: string, bundle: FixtureBundle): Promise<void> {
  const source = path.join(folder, bundle.name);
  await build({ entryPoints: [fixtureDriver(bundle.fixture)], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: path.join(source, 'main.mjs'), logLevel: 'silent' });
  await fs.writeFile(path.join(source, 'manifest.json'), JSON.stringify({
    name: bundle.name, version: '1.0.0', protocol: 1, entry: 'main.mjs', platforms: ['linux'],
    description: bundle.description,
    permissions: { read: [], write: [], exec: [], network: bundle.network },
  }));
  const packed = path.join(folder, `${bundle.name}.corral-driver`);
  for (const args of [['driver', 'pack', source, '--out', packed], ['driver', 'install', packed, '--yes']]) {
    const result = await corral(args);
    assert.equal(result.code, 0, `corral ${args.join(' ')}: ${result.stderr}`);
  }
}
