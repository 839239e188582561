// Per-test cache roots and random file bodies.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'corral-dl-'));
}

export function randomBody(bytes: number): Buffer {
  return randomBytes(bytes);
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function sha512(data: Buffer): string {
  return `sha512:${createHash('sha512').update(data).digest('hex')}`;
}

/** Files left under partial/ and staging/ (should be none after a hopeless failure). */
export async function leftovers(cacheDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const sub of ['partial', 'staging']) {
    const dir = path.join(cacheDir, 'downloads', sub);
    for (const name of await fs.readdir(dir).catch(() => [])) {
      const inner = await fs.readdir(path.join(dir, name)).catch(() => []);
      found.push(...inner.map((f) => `${sub}/${name}/${f}`));
    }
  }
  return found;
}
