// Builds driver bundles: for each driver folder src-drivers/NAME that has a manifest.json,
// bundles its main.ts (with the SDK and every package it uses) into one ES module named as
// the manifest's `entry` says, and packs that with the manifest into
// OUT/NAME-VERSION.corral-driver (see src-drivers/sdk/GUIDE.md, "Packing a bundle").
// Usage: node scripts/pack-driver.ts [NAME...] [--out DIR] [--key PRIVATE_KEY.pem]
//   no NAME: every driver folder with a manifest.json (the built-in qemu driver has none)
//   DIR defaults to ./dist/drivers; with --key the bundle is signed (ed25519, PEM)
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { bundleExtension, packBundle } from '../src-main/core/drivers/bundles/pack.ts';
import { builtinsByRequire } from './builtins-by-require.ts';
import { noTestSupport } from './no-test-support.ts';
import { zodEnglishOnly } from './zod-english-only.ts';

const root = path.resolve(import.meta.dirname, '..');
const driversDir = path.join(root, 'src-drivers');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string', default: path.join(root, 'dist', 'drivers') }, key: { type: 'string' } },
});
const out = path.resolve(values.out ?? 'dist/drivers');
const signingKey = values.key ? createPrivateKey(await fs.readFile(values.key)) : undefined;

const hasManifest = (name: string) => fs.access(path.join(driversDir, name, 'manifest.json')).then(() => true, () => false);
const names = positionals.length > 0 ? positionals : (await Promise.all((await fs.readdir(driversDir)).map(async (n) => ((await hasManifest(n)) ? n : '')))).filter(Boolean);
if (names.length === 0) throw new Error('no driver folder with a manifest.json in src-drivers/');

await fs.mkdir(out, { recursive: true });
for (const name of names) {
  if (!/^[a-z][a-z0-9-]*$/.test(name) || !(await hasManifest(name))) throw new Error(`src-drivers/${name}/manifest.json does not exist: not a bundled driver`);
  const source = path.join(driversDir, name);
  const manifest = JSON.parse(await fs.readFile(path.join(source, 'manifest.json'), 'utf8')) as { entry: string; name: string; version: string };
  const staging = await fs.mkdtemp(path.join(os.tmpdir(), `corral-pack-${name}-`));
  try {
    await build({
      entryPoints: [path.join(source, 'main.ts')],
      outfile: path.join(staging, manifest.entry),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      legalComments: 'none',
      logLevel: 'warning',
      // As the built-in drivers (scripts/build-cli.ts): built-ins by require() (no lazy getters
      // read at import, e.g. node:http's WebSocket loading undici) and zod's English only.
      plugins: [noTestSupport(), builtinsByRequire(), zodEnglishOnly()],
    });
    await fs.copyFile(path.join(source, 'manifest.json'), path.join(staging, 'manifest.json'));
    const file = path.join(out, `${manifest.name}-${manifest.version}${bundleExtension}`);
    await packBundle(staging, { out: file, ...(signingKey ? { signingKey } : {}) });
    console.log(path.relative(process.cwd(), file) || file);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
