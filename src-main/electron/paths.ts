// Where the shell's files are, from Electron's app path: the repository root when run with
// `electron .`, or resources/app.asar when packaged. Driver entries live in
// app.asar.unpacked (electron-builder.yml asarUnpack), because a utility process runs a
// script from a real file, and it must be a bundled .js (no TypeScript, no node_modules there).
import path from 'node:path';
import type { DriverEntry } from '../core/drivers/host.ts';
import type { HostAgentLauncher } from '../core/hostagent/spawn.ts';

export interface ShellPaths {
  /** The built renderer served as corral-app://app/. */
  renderer: string;
  /** The sandboxed preload: one CommonJS file. */
  preload: string;
  /** The built-in drivers as bundles (in place of the .ts entries the engine uses elsewhere). */
  drivers: DriverEntry[];
  /** The host agent's bundle, run by Electron's own binary as Node (spawn.ts sets ELECTRON_RUN_AS_NODE). */
  hostAgent: HostAgentLauncher;
}

export const bundledDrivers = ['qemu'] as const;

export function shellPaths(appPath: string): ShellPaths {
  const unpacked = appPath.endsWith('.asar') ? `${appPath}.unpacked` : appPath;
  return {
    renderer: path.join(appPath, 'dist', 'renderer'),
    preload: path.join(appPath, 'dist', 'electron', 'preload.cjs'),
    drivers: bundledDrivers.map((name) => ({ name, entry: path.join(unpacked, 'dist', 'drivers', `${name}.js`) })),
    hostAgent: { execPath: process.execPath, entry: path.join(unpacked, 'dist', 'electron', 'workers', 'hostagent.js') },
  };
}
