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

/** Paths a long-lived engine re-points when another process moves the instances folder. */
export interface MovablePaths extends CorralPaths {
  /** From now on, instances live in `to` (a move switched to it); forgets the old real path. */
  moveInstancesTo(to: string): void;
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
export function corralPaths(options: PathOptions = {}): MovablePaths {
  const home = dataHome(options.home);
  const cache = path.resolve(options.cache ?? process.env.CORRAL_CACHE ?? recordedCache(home) ?? (options.home ? path.join(home, 'cache') : platformCacheDir()));
  const layout = homeLayout(home);
  let instances = recordedLocation(home, 'instances') ?? layout.instances;
  // Resolved once, not per socket path: it changes only when the instances folder moves.
  let realInstances: string | undefined;
  const realInstanceDir = (instanceDir: string): string => {
    const parent = path.dirname(instanceDir);
    if (parent !== instances) return path.join(realPathOr(parent), path.basename(instanceDir));
    realInstances ??= fs.existsSync(instances) ? realPathOr(instances) : undefined; // not made yet: ask again next time
    return path.join(realInstances ?? instances, path.basename(instanceDir));
  };
  return {
    home,
    cache,
    get instances() { return instances; },
    logs: layout.logs,
    driverCache: (driver) => path.join(cache, 'drivers', driver),
    instanceDir: (name) => path.join(instances, name),
    runtimeDir: (instanceDir) => path.join(
      privateRuntimeRoot(home, options.runtimeBase ?? process.env.XDG_RUNTIME_DIR ?? os.tmpdir()),
      createHash('sha256').update(realInstanceDir(instanceDir)).digest('hex').slice(0, 16),
    ),
    moveInstancesTo(to) {
      instances = to;
      realInstances = undefined;
    },
  };
}

/**
 * A folder's real path: after a move of the instances folder an engine started before it
 * reaches instances through a link at the old path, and its VMs' sockets must be where a
 * newly started process, using the new path, looks for them.
 */
function realPathOr(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

/**
 * Makes the data root owner-only (0700), as the secrets in it are: keys, tokens, driver logs.
 * Only a root Corral creates is set so; an existing folder keeps the mode its owner chose.
 */
export function makeHome(paths: Pick<CorralPaths, 'home'>): void {
  fs.mkdirSync(paths.home, { recursive: true, mode: 0o700 });
}
