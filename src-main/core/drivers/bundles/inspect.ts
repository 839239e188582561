// Validates a `.corral-driver` bundle entirely in memory, before anything is written: size and
// entry limits, safe paths, no links, the manifest's schema, protocol version and platforms,
// the signature when there is one, and the sha256 of every file. Only a bundle that passes
// every check is handed to extractBundle(), which writes into a fresh staging folder.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { PROTOCOL_VERSION } from '../../../../src-drivers/sdk/protocol.ts';
import { fingerprint, verifyEd25519 } from './keys.ts';
import type { Signer, TrustedKey } from './keys.ts';
import { manifestFileName, manifestSchema, signatureFileName, signatureSchema, unsafePathReason } from './manifest.ts';
import type { Manifest } from './manifest.ts';
import { sha256 } from './pack.ts';
import { TarError, readTarGz } from './tar.ts';

export interface BundleLimits {
  /** The bundle file itself (compressed). */
  maxBundleBytes: number;
  /** Any one file once unpacked. */
  maxFileBytes: number;
  /** All files together once unpacked. */
  maxTotalBytes: number;
  maxFiles: number;
}

export const defaultLimits: BundleLimits = {
  maxBundleBytes: 64 * 1024 * 1024,
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxFiles: 2000,
};

export interface InspectOptions {
  trustedKeys?: TrustedKey[];
  /** The platform to install for; default this one. */
  platform?: string;
  limits?: Partial<BundleLimits>;
}

export interface InspectedBundle {
  file: string;
  manifest: Manifest;
  /** manifest.json exactly as signed. */
  manifestBytes: Buffer;
  signer: Signer;
  /** Every file of the bundle by its bundle-relative path, hashes checked. */
  files: Map<string, Buffer>;
}

/** The one error a refused bundle raises: says which file, which check, and why. */
export function refuse(file: string, reason: string, message: string): DriverError {
  return new DriverError('INVALID_BUNDLE', `driver bundle ${path.basename(file)} refused: ${message}`, { reason, file });
}

function readSignature(file: string, manifestBytes: Buffer, sigBytes: Buffer | undefined, trusted: TrustedKey[]): Signer {
  if (!sigBytes) return { kind: 'unsigned' };
  let json: unknown;
  try {
    json = JSON.parse(sigBytes.toString('utf8'));
  } catch {
    throw refuse(file, 'signature', `${signatureFileName} is not JSON`);
  }
  const parsed = signatureSchema().safeParse(json);
  if (!parsed.success) throw refuse(file, 'signature', `${signatureFileName} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const key = Buffer.from(parsed.data.publicKey, 'base64');
  if (!verifyEd25519(key, manifestBytes, Buffer.from(parsed.data.signature, 'base64'))) {
    throw refuse(file, 'signature', `the signature does not match manifest.json (signed by ${fingerprint(key)}): the bundle was altered after signing, or the signature is forged`);
  }
  const known = trusted.find((t) => Buffer.from(t.publicKey, 'base64').equals(key));
  return known ? { kind: 'trusted', name: known.name, fingerprint: fingerprint(key) } : { kind: 'untrusted', fingerprint: fingerprint(key) };
}

export async function inspectBundle(file: string, options: InspectOptions = {}): Promise<InspectedBundle> {
  const limits = { ...defaultLimits, ...options.limits };
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new DriverError('NOT_FOUND', `driver bundle ${file} does not exist or is not a file`, { file });
  if (stat.size > limits.maxBundleBytes) throw refuse(file, 'size', `the file is ${stat.size} bytes, over the limit of ${limits.maxBundleBytes}`);

  let entries;
  try {
    // Headers and padding add at most 1 KiB per entry to the file bytes.
    entries = readTarGz(await fs.readFile(file), { maxBytes: limits.maxTotalBytes + (limits.maxFiles + 3) * 1024, maxEntries: limits.maxFiles + 2 });
  } catch (error) {
    if (error instanceof TarError) throw refuse(file, 'archive', `not a valid bundle archive: ${error.message}`);
    throw error;
  }

  const files = new Map<string, Buffer>();
  let total = 0;
  for (const entry of entries) {
    const unsafe = unsafePathReason(entry.path);
    if (unsafe) throw refuse(file, 'path', `entry ${JSON.stringify(entry.path)} ${unsafe}; a bundle may only hold paths inside itself`);
    if (entry.type === 'link') {
      throw refuse(file, 'link', `entry ${entry.path} is a ${entry.hard ? 'hard' : 'symbolic'} link to ${JSON.stringify(entry.target)}; bundles may hold only files and folders`);
    }
    if (entry.type === 'dir') continue;
    if (entry.data.length > limits.maxFileBytes) throw refuse(file, 'size', `${entry.path} is ${entry.data.length} bytes, over the per-file limit of ${limits.maxFileBytes}`);
    total += entry.data.length;
    if (total > limits.maxTotalBytes) throw refuse(file, 'size', `its files add up to more than ${limits.maxTotalBytes} bytes`);
    if (files.has(entry.path)) throw refuse(file, 'path', `entry ${entry.path} appears twice`);
    files.set(entry.path, entry.data);
  }
  if (files.size > limits.maxFiles) throw refuse(file, 'size', `it holds ${files.size} files, over the limit of ${limits.maxFiles}`);

  const manifestBytes = files.get(manifestFileName);
  if (!manifestBytes) throw refuse(file, 'manifest', `it has no ${manifestFileName} at its root`);
  let json: unknown;
  try {
    json = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw refuse(file, 'manifest', `${manifestFileName} is not JSON: ${(error as Error).message}`);
  }
  const parsed = manifestSchema().safeParse(json);
  if (!parsed.success) {
    throw refuse(file, 'manifest', `${manifestFileName} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const manifest = parsed.data;
  if (manifest.protocol !== PROTOCOL_VERSION) {
    throw refuse(file, 'protocol', `driver ${manifest.name} ${manifest.version} speaks driver protocol v${manifest.protocol}, but this Corral speaks v${PROTOCOL_VERSION}`);
  }
  const platform = options.platform ?? process.platform;
  if (!(manifest.platforms as string[]).includes(platform)) {
    throw refuse(file, 'platform', `driver ${manifest.name} runs on ${manifest.platforms.join(', ')}, not on ${platform}`);
  }
  const signer = readSignature(file, manifestBytes, files.get(signatureFileName), options.trustedKeys ?? []);

  files.delete(manifestFileName);
  files.delete(signatureFileName);
  for (const [name, digest] of Object.entries(manifest.files)) {
    const data = files.get(name);
    if (!data) throw refuse(file, 'hash', `${name} is listed in the manifest but missing from the bundle`);
    const actual = sha256(data);
    if (actual !== digest) throw refuse(file, 'hash', `${name} has sha256 ${actual}, but the manifest says ${digest}`);
  }
  for (const name of files.keys()) {
    if (!Object.hasOwn(manifest.files, name)) throw refuse(file, 'hash', `${name} is in the bundle but not listed (with its sha256) in the manifest`);
  }
  return { file, manifest, manifestBytes, signer, files };
}

/**
 * Writes a checked bundle into `staging`, which must not exist yet: files are created with
 * O_EXCL and plain modes, so nothing is followed and nothing pre-existing is overwritten.
 */
export async function extractBundle(bundle: InspectedBundle, staging: string): Promise<void> {
  await fs.mkdir(staging, { mode: 0o755 });
  for (const [name, data] of bundle.files) {
    const target = path.join(staging, ...name.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await fs.writeFile(target, data, { flag: 'wx', mode: 0o644 });
  }
  await fs.writeFile(path.join(staging, manifestFileName), bundle.manifestBytes, { flag: 'wx', mode: 0o644 });
}
