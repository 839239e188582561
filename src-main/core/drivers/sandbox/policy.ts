// What a bundle driver's process may touch: its manifest's permissions (as the user approved
// them) plus what every driver needs to work at all: its own bundle (read), the instance
// folders, the socket folder and its cache (write), and the downloads cache (read, where the
// engine puts images). Nothing else is bound into the sandbox or allowed by Node.
import path from 'node:path';
import type { Permissions } from '../bundles/manifest.ts';
import type { SshUser } from './ssh-grant.ts';

export interface SandboxPolicy {
  /** The driver's name, for messages. */
  name: string;
  /** The unpacked bundle: bound read-only, and the working folder. */
  bundleDir: string;
  entry: string;
  permissions: Permissions;
  /** Folders every driver may write: instances, unix sockets, its cache. Created before spawn. */
  writable: string[];
  /** Folders every driver may read: the downloads cache. */
  readable: string[];
  /** The driver's own cache folder (one of `writable`), its HOME inside the sandbox. */
  cacheDir: string;
  /** Whose SSH identity the driver borrows, when its manifest asks for `ssh`. */
  sshUser?: SshUser;
  /** Engine-owned folder (outside every grant) for the sandbox's passwd and group files. */
  etcDir: string;
}

export interface PolicyPaths {
  instances: string;
  /** The root of the short per-instance socket folders. */
  runtimeRoot: string;
  driverCache: string;
  downloads: string;
}

export function sandboxPolicy(driver: { name: string; dir: string; entry: string; permissions: Permissions }, paths: PolicyPaths, sshUser?: SshUser): SandboxPolicy {
  return {
    name: driver.name,
    bundleDir: driver.dir,
    entry: driver.entry,
    permissions: driver.permissions,
    writable: [paths.instances, paths.runtimeRoot, paths.driverCache].map((p) => path.resolve(p)),
    readable: [path.resolve(paths.downloads)],
    cacheDir: path.resolve(paths.driverCache),
    ...(driver.permissions.ssh && sshUser ? { sshUser } : {}),
    etcDir: path.join(path.dirname(path.resolve(paths.driverCache)), '.sandbox-etc', driver.name),
  };
}
