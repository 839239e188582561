// Named connections, kept in CORRAL_HOME/connections.json: which driver, with which settings.
// Written atomically and owner-only (settings may hold secrets), read through a schema; a
// damaged file is one clear error for connection commands and for instances on a named
// connection, and breaks nothing else (local instances, the driver list).
import path from 'node:path';
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { settingValueSchema } from '../../../src-drivers/sdk/protocol.ts';
import { readJsonRecord, writeJsonRecord } from '../instances/json-record.ts';
import { properLockfile } from '../lockfile.ts';
import { LOCAL_CONNECTION } from './connection-of.ts';

/** How old the lock of a killed editor must be before another takes it over. */
const lockStaleMs = 10_000;

export const connectionNamePattern = /^[a-z][a-z0-9-]{0,31}$/;

export const storedConnectionSchema = z.object({
  name: z.string().regex(connectionNamePattern),
  driver: z.string().min(1),
  settings: z.record(z.string(), settingValueSchema()),
  added: z.string(),
});
export type StoredConnection = z.infer<typeof storedConnectionSchema>;

const fileSchema = z.object({
  version: z.literal(1),
  connections: z.array(storedConnectionSchema),
});

export function connectionsFile(home: string): string {
  return path.join(home, 'connections.json');
}

/** Why `name` cannot name a connection, or undefined. */
export function connectionNameProblem(name: string): string | undefined {
  if (!connectionNamePattern.test(name)) return `invalid connection name "${name}": use lower-case letters, digits and "-" (up to 32), starting with a letter`;
  return undefined;
}

export class ConnectionStore {
  readonly file: string;

  constructor(home: string) {
    this.file = connectionsFile(home);
  }

  /** Every stored connection, by name; none when the file is absent. */
  async list(): Promise<StoredConnection[]> {
    const record = await readJsonRecord(this.file, fileSchema);
    if (record.state === 'absent') return [];
    if (record.state === 'damaged') {
      throw new DriverError('INVALID_CONFIG', `${this.file} is damaged (not the connections list this Corral writes): fix it by hand, or move it away and add the connections again`, { file: this.file });
    }
    return record.value.connections;
  }

  async get(name: string): Promise<StoredConnection | undefined> {
    return (await this.list()).find((c) => c.name === name);
  }

  async add(connection: StoredConnection): Promise<void> {
    await this.#locked(async () => {
      const connections = await this.list();
      if (connections.some((c) => c.name === connection.name)) {
        throw new DriverError('ALREADY_EXISTS', `connection "${connection.name}" exists already: remove it first, or pick another name`, { connection: connection.name });
      }
      await this.#write([...connections, connection]);
    });
  }

  async remove(name: string): Promise<void> {
    await this.#locked(async () => {
      const connections = await this.list();
      if (!connections.some((c) => c.name === name)) throw notFound(name, connections);
      await this.#write(connections.filter((c) => c.name !== name));
    });
  }

  /**
   * Runs a read-modify-write of the file holding its lock, so two processes editing at once
   * (two `corral connection add`, the app and the CLI) never lose one another's edit. An edit
   * takes milliseconds; a lock left by a killed process goes stale and is taken over.
   */
  async #locked(edit: () => Promise<void>): Promise<void> {
    let release: () => Promise<void>;
    try {
      release = await (await properLockfile()).lock(this.file, {
        lockfilePath: `${this.file}.lock`,
        realpath: false, // the file need not exist yet
        stale: lockStaleMs,
        retries: { retries: 80, factor: 1.3, minTimeout: 20, maxTimeout: 250 }, // about 18 s: outlasts a stale lock
        onCompromised: () => undefined, // the write itself is atomic: a lock lost mid-edit breaks nothing
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      throw new DriverError('BUSY', `${this.file} is being changed by another Corral process; try again in a moment`, { file: this.file });
    }
    try {
      await edit();
    } finally {
      await release().catch(() => undefined);
    }
  }

  async #write(connections: StoredConnection[]): Promise<void> {
    await writeJsonRecord(this.file, { version: 1, connections: [...connections].sort((a, b) => a.name.localeCompare(b.name)) }, 0o600);
  }
}

export function notFound(name: string, connections: StoredConnection[]): DriverError {
  const known = [LOCAL_CONNECTION, ...connections.map((c) => c.name)].join(', ');
  return new DriverError('NOT_FOUND', `there is no connection "${name}" (connections: ${known}); add one with: corral connection add NAME URI`, { connection: name });
}
