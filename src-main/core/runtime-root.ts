// The folder that holds every instance's unix sockets (QMP, serial console). Whoever can create
// files in it can stand in for a VM's sockets and read what the user types into its console, or
// the VNC password sent over QMP. So it is made with mkdtemp (mode 0700, a name nobody can guess
// before it exists), its path is recorded in CORRAL_HOME so that a later process (a new driver,
// the CLI after the app) finds the sockets of a VM still running, and it is checked again every
// time it is used: a folder at that path that is not ours, not 0700, or a symlink (say, made by
// another user after a reboot emptied /tmp) is left alone and replaced by a new one.
import fs from 'node:fs';
import path from 'node:path';
import { DriverError } from '../../src-drivers/sdk/errors.ts';

/** The file in CORRAL_HOME that names the current socket root. */
export const runtimeRecordName = 'runtime-dir';

const uid = (): number => (typeof process.getuid === 'function' ? process.getuid() : -1);

/** Why `dir` may not hold sockets, or undefined when it is a private folder of ours. */
export function notPrivate(dir: string): string | undefined {
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!stat) return 'it does not exist';
  if (stat.isSymbolicLink()) return 'it is a symbolic link';
  if (!stat.isDirectory()) return 'it is not a folder';
  if (process.platform === 'win32') return undefined; // no owner or mode bits to check
  if (stat.uid !== uid()) return `it belongs to uid ${stat.uid}, not ${uid()}`;
  if ((stat.mode & 0o777) !== 0o700) return `its mode is ${(stat.mode & 0o777).toString(8).padStart(4, '0')}, not 0700`;
  return undefined;
}

/** The recorded root, if the record holds one absolute path of the shape mkdtemp made. */
function readRecord(record: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(record, 'utf8');
  } catch {
    return undefined;
  }
  const recorded = text.trim();
  return path.isAbsolute(recorded) && /^corral-[\w-]+$/.test(path.basename(recorded)) ? recorded : undefined;
}

/** Records `dir`; `replace` false keeps a record another process wrote first (and returns it). */
function writeRecord(record: string, dir: string, replace: boolean): string {
  fs.mkdirSync(path.dirname(record), { recursive: true });
  const temp = `${record}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${dir}\n`, { mode: 0o600 });
  try {
    if (replace) fs.renameSync(temp, record);
    else fs.linkSync(temp, record); // EEXIST: someone else recorded theirs first
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return readRecord(record) ?? dir;
}

/**
 * The socket root for CORRAL_HOME `home`, under `base` (XDG_RUNTIME_DIR or the temp folder):
 * the recorded one when it is still a private folder of ours, else a new one, recorded.
 */
export function privateRuntimeRoot(home: string, base: string): string {
  const record = path.join(home, runtimeRecordName);
  const recorded = readRecord(record);
  if (recorded && notPrivate(recorded) === undefined) return recorded;
  try {
    return makeRoot(record, recorded, base);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DriverError('UNAVAILABLE', `cannot make a private folder for VM sockets in ${base} (${code}); set XDG_RUNTIME_DIR to a folder of yours`, { path: base });
  }
}

function makeRoot(record: string, recorded: string | undefined, base: string): string {
  const fresh = fs.mkdtempSync(path.join(base, `corral-${Math.max(uid(), 0)}-`));
  const chosen = writeRecord(record, fresh, recorded !== undefined || fs.existsSync(record));
  if (chosen === fresh) return fresh;
  // Another process recorded its root a moment earlier: use that one, so both find the sockets.
  fs.rmdirSync(fresh);
  if (notPrivate(chosen) === undefined) return chosen;
  const last = fs.mkdtempSync(path.join(base, `corral-${Math.max(uid(), 0)}-`));
  writeRecord(record, last, true);
  return last;
}
