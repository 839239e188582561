// A folder recorded in CORRAL_HOME after a move (the download cache, the instances folder), so
// every later start uses it. A damaged record is ignored, leaving the usual folder.
import fs from 'node:fs';
import path from 'node:path';
// zod/mini, not zod: `corral list` reads this record, and zod/mini's schemas cost a third of
// zod's to build and first use (about 20 ms of a list), same checks.
import * as z from 'zod/mini';
import { writeJsonRecord } from '../instances/json-record.ts';

export type MovableFolder = 'cache' | 'instances';

const recordSchemas = {
  cache: z.object({ version: z.literal(1), cache: z.string().check(z.refine((p) => path.isAbsolute(p), 'an absolute path')) }),
  instances: z.object({ version: z.literal(1), instances: z.string().check(z.refine((p) => path.isAbsolute(p), 'an absolute path')) }),
};

export function locationRecordFile(home: string, folder: MovableFolder): string {
  return path.join(home, `${folder}-location.json`);
}

/** The recorded folder, or undefined (none, or damaged). Synchronous: paths are resolved so. */
export function recordedLocation(home: string, folder: MovableFolder): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(locationRecordFile(home, folder), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = recordSchemas[folder].safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    return 'cache' in parsed.data ? parsed.data.cache : parsed.data.instances;
  } catch {
    return undefined;
  }
}

/** Records the folder atomically: the switch point of a move. */
export async function recordLocation(home: string, folder: MovableFolder, to: string): Promise<void> {
  await writeJsonRecord(locationRecordFile(home, folder), { version: 1, [folder]: to });
}
