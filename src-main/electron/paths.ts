// Where the shell's files are, from Electron's app path: the repository root when run with
// `electron .`, or resources/app.asar when packaged. Driver entries live in
// app.asar.unpacked (electron-builder.yml asarUnpack), because a utility process runs a
// script from a real file, and it must be a bundled .js (no TypeScript, no node_modules there).
import path from 'node:path';
import type { DriverEntry } from '../core/drivers/host.ts';

export interface ShellPaths {
  /** The built renderer served as corral-app://app/. */
  renderer: string;
  /** The sandboxed preload: one CommonJS file. */
  preload: string;
  /** The built-in drivers as bundles (in place of the .ts entries the engine uses elsewhere). */
  drivers: DriverEntry[];
}

export const bundledDrivers = ['qemu'] as const;

export function shellPaths(appPath: string): ShellPaths {
  const unpacked = appPath.endsWith('.asar') ? `${appPath}.unpacked` : appPath;
  return {
    renderer: path.join(appPath, 'dist', 'renderer'),
    preload: path.join(appPath, 'dist', 'electron', 'preload.cjs'),
    drivers: bundledDrivers.map((name) => ({ name, entry: path.join(unpacked, 'dist', 'drivers', `${name}.js`) })),
  };
}
