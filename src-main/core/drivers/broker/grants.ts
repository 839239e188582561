// The broker's check of one request against the manifest the user approved: the executable
// must be one the manifest declares for the broker, and every file, socket and the log must lie
// inside the bundle's grants (writable ones for what it writes). Symbolic links are resolved
// first, so a link planted in an instance folder cannot carry a grant elsewhere.
import fs from 'node:fs';
import path from 'node:path';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import type { SpawnRequest } from '../../../../src-drivers/sdk/broker.ts';
import type { SandboxPolicy } from '../sandbox/policy.ts';

export interface BrokerGrants {
  driver: string;
  /** The executables the manifest declares for the broker (`permissions.spawn`). */
  executables: string[];
  /** Folders and files the spawned process may read. */
  readable: string[];
  /** Folders and files it may write. */
  writable: string[];
  /** Data files every spawned process reads (the manifest's `read`: firmware and the like). */
  data: string[];
  network: boolean;
}

/** The grants of a bundle, as its sandbox policy has them. */
export function brokerGrants(policy: SandboxPolicy): BrokerGrants {
  const { permissions } = policy;
  const writable = [...policy.writable, ...permissions.write];
  return {
    driver: policy.name,
    executables: permissions.spawn ?? [],
    readable: [policy.bundleDir, ...policy.readable, ...permissions.read, ...writable],
    writable,
    data: permissions.read,
    network: permissions.network,
  };
}

/** The path with every symbolic link resolved; for a path not made yet, its nearest existing parent's. */
export function resolvedPath(p: string): string {
  const missing: string[] = [];
  for (let current = path.resolve(p); ; current = path.dirname(current)) {
    try {
      return path.join(fs.realpathSync(current), ...missing.reverse());
    } catch {
      if (current === path.dirname(current)) return path.resolve(p);
      missing.push(path.basename(current));
    }
  }
}

const within = (p: string, roots: string[]) => roots.some((root) => {
  const r = resolvedPath(root);
  return p === r || p.startsWith(r.endsWith('/') ? r : `${r}/`);
});

function refuse(grants: BrokerGrants, what: string, why: string): never {
  throw new DriverError('PERMISSION_DENIED', `the broker refused driver ${grants.driver}: ${what} ${why}`, { driver: grants.driver });
}

/** Throws PERMISSION_DENIED naming what was asked and why it is refused; returns nothing when all is granted. */
export function checkRequest(request: SpawnRequest, grants: BrokerGrants): void {
  if (!grants.executables.includes(request.executable)) {
    refuse(grants, `starting ${request.executable}:`, `its manifest does not declare it for the broker (it declares ${grants.executables.join(', ') || 'none'})`);
  }
  for (const file of request.files) {
    const roots = file.write ? grants.writable : grants.readable;
    if (!within(resolvedPath(file.path), roots)) refuse(grants, `${file.write ? 'writing' : 'reading'} ${file.path}:`, `it is outside the paths its manifest grants (${roots.join(', ')})`);
  }
  const writableFiles = request.files.filter((f) => f.write).map((f) => f.path);
  for (const [what, p] of [...request.sockets.map((s) => ['socket', s] as const), ['log', request.log] as const]) {
    if (!within(resolvedPath(p), grants.writable)) refuse(grants, `the ${what} ${p}:`, `it is outside the paths its manifest grants for writing (${grants.writable.join(', ')})`);
    if (!within(resolvedPath(p), writableFiles.map(resolvedPath))) refuse(grants, `the ${what} ${p}:`, 'it is not inside a writable file of the request');
  }
}
