// A folder for a VM's unix sockets, made private or refused. Whoever can create files in it can
// stand in for the VM's console or QMP socket (and so read what the user types, or the VNC
// password), so a folder that exists already must be a real folder of this user with mode 0700.
import { lstat, mkdir } from 'node:fs/promises';
import { DriverError } from './errors.ts';

/** Makes `dir` (mode 0700) or checks the one that is there; throws when another user could write into it. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stat = await lstat(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  let why: string | undefined;
  if (stat.isSymbolicLink()) why = 'it is a symbolic link';
  else if (!stat.isDirectory()) why = 'it is not a folder';
  else if (uid !== undefined && stat.uid !== uid) why = `it belongs to uid ${stat.uid}, not ${uid}`;
  else if (uid !== undefined && (stat.mode & 0o777) !== 0o700) why = `its mode is ${(stat.mode & 0o777).toString(8).padStart(4, '0')}, not 0700`;
  if (why) {
    throw new DriverError('INVALID_STATE', `the socket folder ${dir} is not private (${why}): another user could take over the VM's console; remove it and start again`, { field: 'runtimeDir', path: dir });
  }
}
