// Moving the download cache (move-folder.ts does the move): busy while a download runs, here
// or in another Corral process; its download locks stay behind. The old folder becomes a link
// to the new one, which instance disks made before the move need (their base image's path).
import fs from 'node:fs/promises';
import path from 'node:path';
import { recordedCache } from './cache-location.ts';
import { finishMove, moveFolder, type MoveProgress, type MoveResult } from './move-folder.ts';

export type CacheMoveProgress = MoveProgress;

export interface CacheMoveRequest {
  home: string;
  /** The cache folder in use now (engine.paths.cache). */
  current: string;
  target: string;
  /** What fixed the folder at start (CORRAL_CACHE, an option), if anything: a move cannot outlast it. */
  fixedBy?: string | undefined;
  /** Why the cache is busy now (a download in this process), or undefined. */
  busy: () => string | undefined;
  onProgress?: (progress: CacheMoveProgress) => void;
  /** Ends the move before its switch (the engine closing). */
  signal?: AbortSignal | undefined;
}

/** Moves the cache; resolves with where it is now and how much moved. */
export async function moveCache(request: CacheMoveRequest): Promise<MoveResult> {
  const moved = await moveFolder({
    folder: 'cache',
    noun: 'the cache',
    skipped: new Set([path.join('downloads', 'locks')]),
    busy: async () => request.busy() ?? (await lockedDownloads(recordedCache(request.home) ?? request.current)),
    whenBusy: 'wait for it to end or cancel it, then move the cache',
  }, request);
  await finishCacheMove(request.home);
  return moved;
}

/** Ends a cache move a kill interrupted (see move-folder.ts finishMove). */
export function finishCacheMove(home: string): Promise<void> {
  return finishMove(home, 'cache');
}

/** A download another process holds the lock of (proper-lockfile keeps a live one fresh). */
async function lockedDownloads(from: string): Promise<string | undefined> {
  const locks = path.join(from, 'downloads', 'locks');
  const names = await fs.readdir(locks).catch(() => []);
  const now = Date.now();
  for (const name of names.filter((n) => n.endsWith('.lock'))) {
    const stat = await fs.stat(path.join(locks, name)).catch(() => undefined);
    if (stat && now - stat.mtimeMs < 10_000) return 'a download is in progress in another Corral process';
  }
  return undefined;
}
