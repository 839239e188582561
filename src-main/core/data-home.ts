// The data root (CORRAL_HOME) and the folders in it, resolved without anything else of the
// engine: the CLI reads them before it loads the engine (cli/prefork.ts). paths.ts builds the
// whole CorralPaths (cache, sockets) on top of this.
import os from 'node:os';
import path from 'node:path';

function platformDataDir(): string {
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Corral');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Corral');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'corral');
}

/** The data root: the option given, else CORRAL_HOME, else the platform's usual folder. */
export function dataHome(option?: string): string {
  return path.resolve(option ?? process.env.CORRAL_HOME ?? platformDataDir());
}

/** Where instances and logs live inside a data root. */
export function homeLayout(home: string): { instances: string; logs: string } {
  return { instances: path.join(home, 'instances'), logs: path.join(home, 'logs') };
}
