// The specs run against the built renderer. `npm test` builds it first; a spec run on its own
// builds it when dist/renderer is missing, so it never tests nothing.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/temp.ts';

export const rendererDir = path.join(repoRoot, 'dist', 'renderer');

export async function ensureRendererBuilt(): Promise<string> {
  const built = await fs.access(path.join(rendererDir, 'index.html')).then(() => true, () => false);
  if (!built) {
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: repoRoot });
  }
  return rendererDir;
}
