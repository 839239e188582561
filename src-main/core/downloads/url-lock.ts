// One transfer per URL across processes. proper-lockfile keeps the lock fresh while its
// holder lives and lets it go stale when the holder dies, so a crashed app never wedges a
// download: the next process takes over and resumes the partial file. Waiters poll the lock
// (it is a folder, there is nothing to wait on) and may watch the partial file meanwhile.
import fs from 'node:fs/promises';
import path from 'node:path';
import { properLockfile } from '../lockfile.ts';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { wait } from './failures.ts';

export interface LockOptions {
  signal: AbortSignal | undefined;
  staleMs: number;
  pollMs: number;
  /** Called once per poll while another process holds the lock. */
  onWaiting?: () => Promise<void>;
}

/**
 * Runs `fn` holding the URL's lock; `fn` gets a signal that also aborts if the lock is lost.
 * A waiter gets the lock once the holder is done, so `fn` must first look for its result.
 */
export async function withUrlLock<T>(locksDir: string, key: string, options: LockOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  await fs.mkdir(locksDir, { recursive: true });
  const target = path.join(locksDir, key);
  const lost = new AbortController();
  let release: (() => Promise<void>) | undefined;
  while (!release) {
    options.signal?.throwIfAborted();
    try {
      release = await (await properLockfile()).lock(target, {
        lockfilePath: `${target}.lock`,
        realpath: false,
        stale: options.staleMs,
        update: Math.max(1_000, Math.floor(options.staleMs / 4)),
        onCompromised: (error) => lost.abort(new DriverError('BUSY', `lost the download lock for ${key}: ${error.message}`, { key })),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      await options.onWaiting?.();
      await wait(options.pollMs, options.signal);
    }
  }
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  try {
    return await fn(signal);
  } finally {
    await release().catch(() => undefined);
  }
}
