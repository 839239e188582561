// Per-test roots: every test gets its own CORRAL_HOME and cache, removed afterwards.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function tempDir(prefix = 'corral-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export function fixtureDriver(file: string): string {
  return path.join(repoRoot, 'e2e', 'fixtures', 'drivers', file);
}

/** Writes a lima.yaml whose single image is a small local file (containerd off: no nerdctl download). */
export async function writeTemplate(dir: string, fields: Record<string, unknown> = {}): Promise<string> {
  const image = path.join(dir, 'image.raw');
  await fs.writeFile(image, 'not really a disk');
  const lines = [
    'images:',
    `  - location: ${JSON.stringify(image)}`,
    ...Object.entries({ containerd: { system: false, user: false }, ...fields }).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
  ];
  const file = path.join(dir, 'template.yaml');
  await fs.writeFile(file, `${lines.join('\n')}\n`);
  return file;
}
