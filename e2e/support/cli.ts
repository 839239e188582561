// The real `corral` command for CLI specs: a runner bound to one data root that returns the exit
// code and both streams (never throws), and a fixture driver packed and installed through it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { fixtureDriver, repoRoot } from './temp.ts';

export interface CorralResult { code: number; stdout: string; stderr: string }
export type CorralRunner = (args: string[]) => Promise<CorralResult>;

const bin = path.join(repoRoot, 'bin', 'corral.js');

/** Runs bin/corral.js on `home`, with its download cache at `cache`. */
export function corralRunner(home: string, cache: string): CorralRunner {
  return async (args) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, '--home', home, ...args], { env: { ...process.env, CORRAL_CACHE: cache } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as CorralResult;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
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
