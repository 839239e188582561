// Helpers for tests that need bundles, good or crafted: a manifest with sane defaults, a
// bundle folder ready for packBundle(), and raw tar.gz bundles built entry by entry.
import fs from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { PROTOCOL_VERSION } from '../../../../../src-drivers/sdk/protocol.ts';
import type { Manifest } from '../manifest.ts';
import { packBundle, sha256 } from '../pack.ts';
import { writeTarGz } from '../tar.ts';
import type { TarEntry } from '../tar.ts';

export type ManifestDraft = Omit<Manifest, 'files'> & { files?: Record<string, string> };

export function draftManifest(overrides: Partial<ManifestDraft> = {}): ManifestDraft {
  return {
    name: 'demo',
    version: '1.0.0',
    protocol: PROTOCOL_VERSION,
    entry: 'main.js',
    platforms: ['linux', 'darwin', 'win32'],
    description: 'a test driver',
    permissions: { read: [], write: [], exec: [], network: false },
    ...overrides,
  };
}

/** Writes a folder for packBundle(): manifest.json (without files) plus `files`. */
export async function writeBundleDir(dir: string, files: Record<string, string | Buffer>, manifest: Partial<ManifestDraft> = {}): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'manifest.json'), JSON.stringify(draftManifest(manifest)));
  for (const [name, data] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), data);
  }
  return dir;
}

/**
 * A bundle built by hand: `files` are hashed into the manifest unless `manifest.files` says
 * otherwise, and `extra` entries (links, odd paths) go in unlisted.
 */
export async function craftBundle(file: string, options: { files?: Record<string, string>; manifest?: unknown; extra?: TarEntry[]; manifestText?: string }): Promise<string> {
  const files = options.files ?? { 'main.js': 'console.log(1)' };
  const hashes = Object.fromEntries(Object.entries(files).map(([name, data]) => [name, sha256(Buffer.from(data))]));
  const manifest = options.manifest ?? { ...draftManifest(), files: hashes };
  const entries: TarEntry[] = [
    { type: 'file', path: 'manifest.json', data: Buffer.from(options.manifestText ?? JSON.stringify(manifest)) },
    ...Object.entries(files).map(([name, data]): TarEntry => ({ type: 'file', path: name, data: Buffer.from(data) })),
    ...(options.extra ?? []),
  ];
  await fs.writeFile(file, writeTarGz(entries));
  return file;
}

/**
 * The SDK's example driver (src-drivers/example) built with esbuild and packed, as a third
 * party would ship it; `version` overrides the manifest's to make upgrades.
 */
export async function packExampleBundle(workDir: string, options: { version?: string } = {}): Promise<string> {
  const repo = path.resolve(import.meta.dirname, '../../../../..');
  const out = path.join(workDir, `example-${options.version ?? 'default'}`);
  await build({ entryPoints: [path.join(repo, 'src-drivers/example/main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: path.join(out, 'main.mjs'), logLevel: 'silent' });
  const manifest = JSON.parse(await fs.readFile(path.join(repo, 'src-drivers/example/manifest.json'), 'utf8')) as Record<string, unknown>;
  await fs.writeFile(path.join(out, 'manifest.json'), JSON.stringify({ ...manifest, ...(options.version ? { version: options.version } : {}) }));
  return (await packBundle(out, { out: path.join(workDir, `example-${options.version ?? 'default'}.corral-driver`) })).file;
}
