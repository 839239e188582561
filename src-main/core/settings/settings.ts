// What the Settings page shows about the engine: where data, downloads and drop-in driver
// bundles live and what decided each (an option, an environment variable, the platform's
// default), the signing keys trusted for driver bundles, and this host's CPUs and memory.
// The cache can be moved (move-cache.ts) unless CORRAL_CACHE or an option fixed it, and the
// instances folder too (move-instances.ts); a moved folder is shown where it now is. The other folders are fixed while the engine runs.
import os from 'node:os';
import path from 'node:path';
import { DRIVERS_PATH_ENV, dropFolders } from '../drivers/bundles/manager.ts';
import { fingerprint, loadTrustedKeys } from '../drivers/bundles/keys.ts';
import { hostCapacity } from '../instances/host-fit.ts';
import type { CorralPaths } from '../paths.ts';
import { cacheRecordFile, recordedCache } from './cache-location.ts';
import { locationRecordFile, recordedLocation } from './folder-location.ts';

export interface PlacedFolder {
  path: string;
  /** What decided it, as a sentence. */
  source: string;
}

export interface EngineSettings {
  home: PlacedFolder;
  cache: PlacedFolder & { fixedBy?: string };
  instances: PlacedFolder;
  driverFolders: PlacedFolder[];
  trustedKeys: { file: string; keys: { name: string; fingerprint: string }[]; problem?: string };
}

export interface HostInfo {
  cpus: number;
  memoryBytes: number;
}

function sourceOf(folder: string, variable: string, env: NodeJS.ProcessEnv): string {
  const fromEnv = env[variable];
  if (fromEnv && path.resolve(fromEnv) === folder) return `Comes from the ${variable} environment variable.`;
  return 'Comes from the --home option, or else the platform’s usual folder.';
}

export async function engineSettings(paths: Pick<CorralPaths, 'home' | 'cache' | 'instances'>, env: NodeJS.ProcessEnv = process.env, cacheFixedBy?: string): Promise<EngineSettings> {
  const file = path.join(paths.home, 'trusted-keys.json');
  const trusted = await loadTrustedKeys(paths.home).then(
    (keys) => ({ keys: keys.map((k) => ({ name: k.name, fingerprint: fingerprint(Buffer.from(k.publicKey, 'base64')) })) }),
    (error: unknown) => ({ keys: [], problem: error instanceof Error ? error.message : String(error) }),
  );
  const homeDrivers = path.join(paths.home, 'drivers');
  return {
    home: { path: paths.home, source: sourceOf(paths.home, 'CORRAL_HOME', env) },
    cache: cacheFolder(paths, env, cacheFixedBy),
    instances: instancesFolder(paths),
    driverFolders: dropFolders(paths.home, env).map((folder) => ({
      path: folder,
      source: folder === homeDrivers ? 'inside the data folder' : `from ${DRIVERS_PATH_ENV}`,
    })),
    trustedKeys: { file, ...trusted },
  };
}

function cacheFolder(paths: Pick<CorralPaths, 'home' | 'cache'>, env: NodeJS.ProcessEnv, fixedBy: string | undefined): EngineSettings['cache'] {
  // What fixed it is the whole origin: the usual sources would name the environment or --home instead.
  if (fixedBy) return { path: paths.cache, source: `Set by ${fixedBy}.`, fixedBy };
  const moved = recordedCache(paths.home);
  if (moved === undefined) return { path: paths.cache, source: sourceOf(paths.cache, 'CORRAL_CACHE', env) };
  return { path: moved, source: `Moved here; recorded in ${cacheRecordFile(paths.home)}, which every start reads.` };
}

function instancesFolder(paths: Pick<CorralPaths, 'home' | 'instances'>): PlacedFolder {
  const moved = recordedLocation(paths.home, 'instances');
  if (moved === undefined) return { path: paths.instances, source: 'Inside the data folder.' };
  return { path: moved, source: `Moved here; recorded in ${locationRecordFile(paths.home, 'instances')}, which every start reads.` };
}

export async function hostInfo(): Promise<HostInfo> {
  const host = await hostCapacity();
  return { cpus: host.cores, memoryBytes: host.memoryBytes || os.totalmem() };
}
