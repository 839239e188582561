// Moving the download cache (move-folder.ts does the move): busy while a download runs, here
// or in another Corral process; its download locks stay behind. The old folder becomes a link
// to the new one, which instance disks made before the move need (their base image's path).
// One cache move at a time across processes (move-lock.ts), journalled before it copies, so a
// mover killed mid-copy has its copy removed at the next engine start (finishCacheMove).
import fs from 'node:fs/promises';
import path from 'node:path';
import { recordedCache } from './cache-location.ts';
import { finishMove, moveFolder, type MoveProgress, type MoveResult } from './move-folder.ts';
import { finishInterruptedMove, withMoveLock } from './move-lock.ts';

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
export function moveCache(request: CacheMoveRequest): Promise<MoveResult> {
  return withMoveLock(request.home, 'cache', async () => {
    const moved = await moveFolder({
      folder: 'cache',
      noun: 'the cache',
      skipped: new Set([path.join('downloads', 'locks')]),
      busy: async () => request.busy() ?? (await lockedDownloads(recordedCache(request.home) ?? request.current)),
      whenBusy: 'wait for it to end or cancel it, then move the cache',
      journalsCopy: true, // withMoveLock is that lock
    }, request);
    await finishMove(request.home, 'cache');
    return moved;
  });
}

/** Finishes or undoes a cache move a kill interrupted (at engine start), unless another process is moving it now. */
export function finishCacheMove(home: string): Promise<void> {
  return finishInterruptedMove(home, 'cache');
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
