// The host side of shared folders: every folder must exist before anything is written (a
// template's missing folder is the user's mistake, named by its field), except Lima's default
// /tmp/lima, which is made on first use as Lima makes it.
import fs from 'node:fs/promises';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { ResolvedMounts } from './resolve.ts';

/** Throws INVALID_CONFIG naming `mounts[N].location` for a folder that is missing or not a folder. */
export async function checkLocations(resolved: ResolvedMounts, options: { create: boolean }): Promise<void> {
  for (const [index, mount] of resolved.mounts.entries()) {
    const field = `mounts[${index}].location`;
    if (options.create && resolved.creatable.includes(mount.hostPath)) await fs.mkdir(mount.hostPath, { recursive: true });
    const stat = await fs.stat(mount.hostPath).catch((error: NodeJS.ErrnoException) => error);
    if (stat instanceof Error) {
      if (stat.code === 'ENOENT' && resolved.creatable.includes(mount.hostPath)) continue; // made at start
      const why = stat.code === 'ENOENT' ? 'does not exist' : `cannot be read (${stat.code ?? stat.message})`;
      throw new DriverError('INVALID_CONFIG', `field "${field}": host folder ${mount.hostPath} ${why}; create it or fix the path`, { field });
    }
    if (!stat.isDirectory()) {
      throw new DriverError('INVALID_CONFIG', `field "${field}": ${mount.hostPath} is not a folder; only folders can be shared`, { field });
    }
  }
}
