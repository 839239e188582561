// The ed25519 keys a user trusts to sign driver bundles: CORRAL_HOME/trusted-keys.json, a
// list of { name, publicKey } with the raw 32-byte key in base64. A bundle signed by one of
// them shows its name in the trust prompt; any other signature shows only a fingerprint.
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { lazySchema } from '../../../../src-drivers/sdk/lazy-schema.ts';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';

export const trustedKeySchema = lazySchema(() => z.strictObject({
  name: z.string().min(1).max(200),
  publicKey: z.base64().refine((k) => Buffer.from(k, 'base64').length === 32, 'must be a 32-byte ed25519 key in base64'),
}));
export type TrustedKey = z.infer<ReturnType<typeof trustedKeySchema>>;

/** How a bundle's signature stands. */
export type Signer =
  | { kind: 'unsigned' }
  | { kind: 'trusted'; name: string; fingerprint: string }
  | { kind: 'untrusted'; fingerprint: string };

export function fingerprint(rawPublicKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(rawPublicKey).digest('base64').replace(/=+$/, '')}`;
}

/** The raw 32 bytes of an ed25519 public key (or of a private key's public half). */
export function rawPublicKey(key: KeyObject): Buffer {
  return createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
}

// DER prefix of an ed25519 SubjectPublicKeyInfo; the raw key follows it.
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

export function verifyEd25519(rawKey: Buffer, data: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({ key: Buffer.concat([spkiPrefix, rawKey]), format: 'der', type: 'spki' });
  return verify(null, data, key, signature);
}

export async function loadTrustedKeys(home: string): Promise<TrustedKey[]> {
  const file = path.join(home, 'trusted-keys.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = z.array(trustedKeySchema()).safeParse(JSON.parse(text));
  if (!parsed.success) throw new DriverError('INVALID_CONFIG', `${file} is not a list of { name, publicKey }: ${parsed.error.message}`, { field: 'trusted-keys' });
  return parsed.data;
}
