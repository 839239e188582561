// Builds a `.corral-driver` bundle from a folder holding a manifest.json (everything but
// `files`, which is computed here) and the driver's files, optionally signed with an ed25519
// key. Used by `corral driver pack DIR`, by the build, and by tests.
import { createHash, createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { manifestFileName, manifestSchema, signatureFileName } from './manifest.ts';
import type { Manifest, SignatureFile } from './manifest.ts';
import { writeTarGz } from './tar.ts';
import type { TarEntry } from './tar.ts';

export const bundleExtension = '.corral-driver';

export interface PackOptions {
  /** Where to write the bundle; default NAME-VERSION.corral-driver beside the folder. */
  out?: string;
  /** An ed25519 private key: the bundle then carries a detached signature over manifest.json. */
  signingKey?: KeyObject;
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function collect(root: string, rel = ''): Promise<string[]> {
  const found: string[] = [];
  for (const dirent of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${dirent.name}` : dirent.name;
    if (dirent.isDirectory()) found.push(...await collect(root, child));
    else if (dirent.isFile()) found.push(child);
    // Bundles hold no links (the installer refuses them): say so here rather than ship a dud.
    else throw new DriverError('INVALID_BUNDLE', `cannot pack ${path.join(root, child)}: only regular files and folders can go in a bundle`, { reason: 'file-type' });
  }
  return found;
}

/** Packs `dir` and returns the bundle's path and its manifest. */
export async function packBundle(dir: string, options: PackOptions = {}): Promise<{ file: string; manifest: Manifest }> {
  const draft = JSON.parse(await fs.readFile(path.join(dir, manifestFileName), 'utf8')) as Record<string, unknown>;
  const names = (await collect(dir)).filter((f) => f !== manifestFileName && f !== signatureFileName).sort();
  const files: Record<string, string> = {};
  const entries: TarEntry[] = [];
  for (const name of names) {
    const data = await fs.readFile(path.join(dir, name));
    files[name] = sha256(data);
    entries.push({ type: 'file', path: name, data });
  }
  const parsed = manifestSchema().safeParse({ ...draft, files });
  if (!parsed.success) throw new DriverError('INVALID_BUNDLE', `cannot pack ${dir}: manifest.json is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, { reason: 'manifest' });
  const manifestBytes = Buffer.from(`${JSON.stringify(parsed.data, null, 2)}\n`);
  const head: TarEntry[] = [{ type: 'file', path: manifestFileName, data: manifestBytes }];
  if (options.signingKey) {
    const raw = createPublicKey(options.signingKey).export({ format: 'der', type: 'spki' }).subarray(-32);
    const signature: SignatureFile = { algorithm: 'ed25519', publicKey: raw.toString('base64'), signature: sign(null, manifestBytes, options.signingKey).toString('base64') };
    head.push({ type: 'file', path: signatureFileName, data: Buffer.from(`${JSON.stringify(signature, null, 2)}\n`) });
  }
  const out = options.out ?? path.join(path.dirname(path.resolve(dir)), `${parsed.data.name}-${parsed.data.version}${bundleExtension}`);
  await fs.writeFile(out, writeTarGz([...head, ...entries]));
  return { file: out, manifest: parsed.data };
}
