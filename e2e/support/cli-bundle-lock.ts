// The CLI bundle in dist/cli is one for the whole suite, whose files run two at a time. Two specs
// rebuild it and need it to be what runs (cli-bundle; driver-memory, which measures the bundled
// driver), and cli-bundle also changes a source's time on purpose to see a stale bundle refused.
// Two builds at once fail (a CI rehearsal did), and a bundle made stale on purpose makes the other
// spec run the sources. Specs that build the bundle, tamper with it or need it to be what runs
// hold this lock for their whole describe, so they take turns; specs that run bin/corral.js
// without caring which do not need it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { properLockfile } from '../../src-main/core/lockfile.ts';
import { repoRoot } from './temp.ts';

const lockTarget = path.join(repoRoot, 'dist', 'cli-bundle');

/** Waits for the lock (at most about two minutes: a holder builds once or twice); resolves to its release. */
export async function lockCliBundle(): Promise<() => Promise<void>> {
  await fs.mkdir(path.dirname(lockTarget), { recursive: true });
  return (await properLockfile()).lock(lockTarget, {
    lockfilePath: `${lockTarget}.lock`,
    realpath: false,
    retries: { retries: 1200, factor: 1, minTimeout: 100, maxTimeout: 100 },
  });
}
