// Installed bundles as registry entries: each enabled bundle runs sandboxed where this host
// can enforce it, and is marked unsandboxed (with why) where it cannot, never silently.
import path from 'node:path';
import type { InstalledDriver } from '../bundles/install.ts';
import type { SandboxSupport } from '../bundles/trust.ts';
import { spawnBroker } from '../broker/broker.ts';
import { brokerGrants } from '../broker/grants.ts';
import type { DriverEntry } from '../host.ts';
import { sandboxPolicy } from './policy.ts';
import { currentSshUser } from './ssh-grant.ts';
import type { PolicyPaths } from './policy.ts';
import { sandboxedSpawn } from './spawn.ts';
import type { SandboxOptions } from './spawn.ts';

export interface EntryPaths {
  instances: string;
  /** Root of the per-instance socket folders: dirname(paths.runtimeDir(anything)). */
  runtimeRoot: string;
  downloads: string;
  driverCache(driver: string): string;
}

export function bundleDriverEntry(driver: InstalledDriver, paths: EntryPaths, support: SandboxSupport, options: SandboxOptions = {}): DriverEntry {
  if (!support.enforced) return { name: driver.name, entry: driver.entry, isolation: { kind: 'unsandboxed', reason: support.reason } };
  const policyPaths: PolicyPaths = { instances: paths.instances, runtimeRoot: paths.runtimeRoot, downloads: paths.downloads, driverCache: paths.driverCache(driver.name) };
  const { permissions } = driver.manifest;
  const policy = sandboxPolicy({ name: driver.name, dir: driver.dir, entry: driver.entry, permissions }, policyPaths, permissions.ssh ? options.sshUser ?? currentSshUser() : undefined);
  // Every sandboxed bundle gets a broker: one whose manifest declares nothing for it hears why it is refused.
  const services = spawnBroker(brokerGrants(policy), options.bwrap ? { bwrap: options.bwrap } : {});
  return { name: driver.name, entry: driver.entry, spawn: sandboxedSpawn(policy, options), isolation: { kind: 'sandboxed', by: support.by }, services };
}

export function bundleDriverEntries(installed: InstalledDriver[], paths: EntryPaths, support: SandboxSupport, options: SandboxOptions = {}): DriverEntry[] {
  return installed.filter((d) => d.enabled).map((d) => bundleDriverEntry(d, paths, support, options));
}

/** The socket root from CorralPaths.runtimeDir, which hashes a folder into one child of it. */
export const runtimeRootOf = (runtimeDir: (dir: string) => string): string => path.dirname(runtimeDir('/'));
