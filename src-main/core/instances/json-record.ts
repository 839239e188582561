// Small JSON records kept in files (an instance's endpoint, guest status, ports; the host agent's
// pid file; the verified-image records): written atomically, read back through a schema. A
// reader learns which of three cases it hit, since callers treat a missing file (nothing yet)
// and a damaged one (a hand edit, another version) differently.
import fs from 'node:fs/promises';
import { writeFileAtomic } from './atomic.ts';
import type { AtomicWriteOptions } from './atomic.ts';

/** A record's schema: zod's or zod/mini's (what `corral list` reads uses the lighter zod/mini). */
export interface RecordSchema<T> {
  safeParse(value: unknown, params: { jitless: boolean }): { success: true; data: T } | { success: false };
}

export type JsonRecord<T> = { state: 'absent' } | { state: 'damaged' } | { state: 'valid'; value: T };

/** Reads `file` as JSON checked by `schema`. Errors other than a missing file are thrown. */
export async function readJsonRecord<T>(file: string, schema: RecordSchema<T>): Promise<JsonRecord<T>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { state: 'damaged' };
  }
  // jitless: a record is read once or a few times per process, and zod's compiled fast path
  // (code generated with new Function per object schema, on its first parse) costs more than it saves.
  const parsed = schema.safeParse(value, { jitless: true });
  return parsed.success ? { state: 'valid', value: parsed.data } : { state: 'damaged' };
}

/** The record's value, or undefined when it is missing or damaged. */
export async function readJsonRecordOrNothing<T>(file: string, schema: RecordSchema<T>): Promise<T | undefined> {
  const record = await readJsonRecord(file, schema).catch(() => ({ state: 'absent' as const }));
  return record.state === 'valid' ? record.value : undefined;
}

/** Writes `value` as indented JSON, atomically (a crash leaves the old record or the new one). */
export async function writeJsonRecord(file: string, value: unknown, mode?: number, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, mode, options);
}
