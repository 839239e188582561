// Finds the Electron binary WITHOUT triggering its download: `require('electron')` from plain
// Node downloads it on first use (Electron 42+) and throws where its host is unreachable, as
// here. The package records the binary's relative path in path.txt once it is installed.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './temp.ts';

export type ElectronBinary = { path: string } | { missing: string };

export function findElectron(): ElectronBinary {
  const dir = path.join(repoRoot, 'node_modules', 'electron');
  if (!fs.existsSync(path.join(dir, 'package.json'))) return { missing: 'the electron package is not installed (npm install)' };
  const pathFile = path.join(dir, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const binary = path.join(override, relative ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    return fs.existsSync(binary) ? { path: binary } : { missing: `ELECTRON_OVERRIDE_DIST_PATH names ${binary}, which does not exist` };
  }
  if (relative === undefined) {
    return { missing: 'node_modules/electron/path.txt is absent: the binary was never downloaded (it comes from GitHub; run `npx install-electron` where that is reachable)' };
  }
  const binary = path.join(dir, 'dist', relative);
  return fs.existsSync(binary) ? { path: binary } : { missing: `${binary} does not exist (an interrupted download?)` };
}
