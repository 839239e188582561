// What `corral serve` keeps in CORRAL_HOME between runs: its access token and the port it last
// served on, so a restarted server answers the address an open tab already holds and the tab
// reconnects by itself. The token is a secret: the file is owner-only (0600) and one readable
// by others is refused rather than trusted. `corral serve --new-token` replaces the token (old
// tabs are then told to open the new address).
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import { readJsonRecord, writeJsonRecord } from '../core/instances/json-record.ts';
import { newToken } from './auth.ts';

const recordSchema = z.object({
  version: z.literal(1),
  /** 32 random bytes, base64url (auth.ts newToken). */
  token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** The port of the last run; 0 until one has listened. */
  port: z.number().int().min(0).max(65535),
});
export type ServeRecord = z.infer<typeof recordSchema>;

export function serveRecordFile(home: string): string {
  return path.join(home, 'serve.json');
}

/**
 * The token and last port for this home: the kept ones, or a new token made now (first use, or
 * `rotate`). A damaged file or one other users can read is an error naming the way out.
 */
export async function loadServeRecord(home: string, options: { rotate?: boolean } = {}): Promise<ServeRecord> {
  const file = serveRecordFile(home);
  const found = await readJsonRecord(file, recordSchema);
  if (found.state === 'valid' && !options.rotate) {
    const mode = (await fs.stat(file)).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new DriverError('INVALID_CONFIG', `${file} holds the web shell's access token but other users can read it (mode ${mode.toString(8).padStart(4, '0')}); run \`corral serve --new-token\` to replace the token and the file`, { file, mode });
    }
    return found.value;
  }
  if (found.state === 'damaged' && !options.rotate) {
    throw new DriverError('INVALID_CONFIG', `${file} is damaged (not the web shell's token record); run \`corral serve --new-token\` to make a new one`, { file });
  }
  const record: ServeRecord = { version: 1, token: newToken(), port: found.state === 'valid' ? found.value.port : 0 };
  await writeJsonRecord(file, record, 0o600);
  return record;
}

/** Remembers the port this run listens on, so the next run tries it first. */
export async function rememberPort(home: string, record: ServeRecord, port: number): Promise<void> {
  if (record.port === port) return;
  await writeJsonRecord(serveRecordFile(home), { ...record, port }, 0o600);
}
