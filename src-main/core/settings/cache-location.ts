// Where the download cache lives when it was moved (Settings' "Move…", `corral cache move`):
// recorded in CORRAL_HOME so every later start uses it. CORRAL_CACHE and an explicit option
// still win over it (paths.ts); a damaged record is ignored, leaving the usual folder.
import { locationRecordFile, recordLocation, recordedLocation } from './folder-location.ts';

export function cacheRecordFile(home: string): string {
  return locationRecordFile(home, 'cache');
}

/** The recorded cache folder, or undefined (none, or damaged). */
export function recordedCache(home: string): string | undefined {
  return recordedLocation(home, 'cache');
}

/** Records the cache folder atomically: the switch point of a move. */
export async function recordCache(home: string, cache: string): Promise<void> {
  await recordLocation(home, 'cache', cache);
}
