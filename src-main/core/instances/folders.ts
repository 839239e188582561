// Which folders under CORRAL_HOME/instances are instances: read by the store and by the CLI's
// quick list, which loads nothing of the store (its YAML and schema) to answer.
import fs from 'node:fs/promises';
import path from 'node:path';
import { instanceNameProblem } from './names.ts';

export const configFileName = 'lima.yaml';

/**
 * Names of every instance, sorted. Half-made folders (no lima.yaml) are not instances, nor
 * are folders whose name no instance could have (put there by hand): one such entry must not
 * break every listing.
 */
export async function instanceNames(instancesDir: string): Promise<string[]> {
  const entries = await fs.readdir(instancesDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || instanceNameProblem(entry.name) !== undefined) continue;
    if (await exists(path.join(instancesDir, entry.name, configFileName))) names.push(entry.name);
  }
  return names.sort();
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}
