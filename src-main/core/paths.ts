// Where Corral keeps things. One data root (CORRAL_HOME) and one cache root (CORRAL_CACHE),
// each defaulting to the platform's usual folder; tests give every case its own pair.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataHome, homeLayout } from './data-home.ts';
import { privateRuntimeRoot } from './runtime-root.ts';
import { recordedCache } from './settings/cache-location.ts';
import { recordedLocation } from './settings/folder-location.ts';

export interface CorralPaths {
  home: string;
  cache: string;
  instances: string;
  logs: string;
  /** Per-driver caches (probe verdicts and the like). */
  driverCache(driver: string): string;
  instanceDir(name: string): string;
  /**
   * A short folder for an instance's unix sockets (sun_path holds ~104 bytes, homes can be
   * deep), inside a private root made and checked on every call (runtime-root.ts).
   */
  runtimeDir(instanceDir: string): string;
}

function platformCacheDir(): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'Corral');
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Corral', 'Cache');
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'corral');
}

export interface PathOptions {
  home?: string;
  cache?: string;
  /** Where the socket root is made. Default: XDG_RUNTIME_DIR, else the system's temp folder. */
  runtimeBase?: string;
}

/**
 * Resolves the roots: explicit options first, then CORRAL_HOME / CORRAL_CACHE, then a cache
 * folder recorded by a move (settings/cache-location.ts), then platform defaults. The
 * instances folder is CORRAL_HOME/instances unless a move recorded another (move-instances.ts).
 */
export function corralPaths(options: PathOptions = {}): CorralPaths {
  const home = dataHome(options.home);
  const cache = path.resolve(options.cache ?? process.env.CORRAL_CACHE ?? recordedCache(home) ?? (options.home ? path.join(home, 'cache') : platformCacheDir()));
  const layout = homeLayout(home);
  const instances = recordedLocation(home, 'instances') ?? layout.instances;
  const logs = layout.logs;
  return {
    home,
    cache,
    instances,
    logs,
    driverCache: (driver) => path.join(cache, 'drivers', driver),
    instanceDir: (name) => path.join(instances, name),
    runtimeDir: (instanceDir) => path.join(
      privateRuntimeRoot(home, options.runtimeBase ?? process.env.XDG_RUNTIME_DIR ?? os.tmpdir()),
      createHash('sha256').update(realInstanceDir(instanceDir)).digest('hex').slice(0, 16),
    ),
  };
}

/**
 * The instance folder through its parent's real path: after a move of the instances folder the
 * engine that made it reaches instances through a link at the old path, and its VMs' sockets
 * must be where a newly started process, using the new path, looks for them.
 */
function realInstanceDir(instanceDir: string): string {
  try {
    return path.join(fs.realpathSync(path.dirname(instanceDir)), path.basename(instanceDir));
  } catch {
    return instanceDir;
  }
}

/**
 * Makes the data root owner-only (0700), as the secrets in it are: keys, tokens, driver logs.
 * Only a root Corral creates is set so; an existing folder keeps the mode its owner chose.
 */
export function makeHome(paths: Pick<CorralPaths, 'home'>): void {
  fs.mkdirSync(paths.home, { recursive: true, mode: 0o700 });
}
