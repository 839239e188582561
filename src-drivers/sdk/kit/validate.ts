// Helpers for validate(): refusals that name the field at fault (in Lima's lima.yaml terms,
// the file the user edits), so the UI can point at it, and sizes said the way users write them.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { DriverError } from '../errors.ts';

/** INVALID_CONFIG naming `field`. */
export function invalid(field: string, message: string): DriverError {
  return new DriverError('INVALID_CONFIG', message, { field });
}

/** INVALID_CONFIG naming `field` unless `file` exists and can be read; `what` names it in the message. */
export async function readable(field: string, file: string, what: string): Promise<void> {
  try {
    await access(file, constants.R_OK);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not readable';
    throw invalid(field, `the ${what} ${file} ${why}`);
  }
}

/** The longest unix socket path every supported platform accepts (macOS: 104 incl. NUL). */
export const MAX_SOCKET_PATH = 103;

/** INVALID_CONFIG naming "runtimeDir" when a socket path is too long for a unix socket. */
export function checkSocketPaths(sockets: string[]): void {
  for (const socket of sockets) {
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      throw invalid('runtimeDir', `the socket path ${socket} is longer than the ${MAX_SOCKET_PATH} bytes unix sockets allow; use a shorter runtime folder`);
    }
  }
}

/** Below this no guest kernel boots. */
export const MIN_MEMORY_BYTES = 64 * 1024 ** 2;

/** INVALID_CONFIG naming "memory" when the guest gets less than MIN_MEMORY_BYTES. */
export function checkMemory(memoryBytes: number): void {
  if (memoryBytes < MIN_MEMORY_BYTES) throw invalid('memory', `memory must be at least ${MIN_MEMORY_BYTES / 1024 ** 2} MiB`);
}

/** 1073741824 -> "1 GiB"; sizes that are no whole multiple stay in the smaller unit. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024;
    unit += 1;
  }
  return `${value} ${units[unit]}`;
}
