// Where the download cache lives when it was moved (Settings' "Move…", `corral cache move`):
// recorded in CORRAL_HOME so every later start uses it. CORRAL_CACHE and an explicit option
// still win over it (paths.ts); a damaged record is ignored, leaving the usual folder.
import fs from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { writeJsonRecord } from '../instances/json-record.ts';

const recordSchema = z.object({
  version: z.literal(1),
  cache: z.string().refine((p) => path.isAbsolute(p), 'an absolute path'),
});

export function cacheRecordFile(home: string): string {
  return path.join(home, 'cache-location.json');
}

/** The recorded cache folder, or undefined (none, or damaged). Synchronous: paths are resolved so. */
export function recordedCache(home: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(cacheRecordFile(home), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.cache : undefined;
  } catch {
    return undefined;
  }
}

/** Records the cache folder atomically: the switch point of a move. */
export async function recordCache(home: string, cache: string): Promise<void> {
  await writeJsonRecord(cacheRecordFile(home), { version: 1, cache });
}
