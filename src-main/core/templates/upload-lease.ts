// A create dialog that shows a template upload holds it with a lease, renewed while the dialog
// is open, so prune keeps the upload however long the dialog stays (uploaded-prune.ts). A
// lease is a file per upload under CORRAL_HOME/uploads/leases whose mtime is its last renewal:
// prune in another process (the CLI) reads it the same way. A dialog that went away lets its
// lease lapse, and the upload then goes by prune's usual rules.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { uploadedTemplatesDir } from './uploaded.ts';

/** How long one renewal holds an upload; the dialog renews well within it (every few minutes). */
export const uploadLeaseMs = 10 * 60 * 1000;

const digestPattern = /^[0-9a-f]{32}$/;

function leasesDir(home: string): string {
  return path.join(home, 'uploads', 'leases');
}

/** Holds the upload at `file` (a path create would use) for the lease's length; until when. */
export async function holdUpload(home: string, file: string): Promise<Date> {
  const digest = uploadDigestOf(home, file);
  const stat = await fs.stat(file).catch(() => undefined);
  if (!stat?.isFile()) throw new DriverError('NOT_FOUND', `${file} is no longer kept (it was pruned); upload the template again`, { field: 'file' });
  await fs.mkdir(leasesDir(home), { recursive: true });
  await fs.writeFile(path.join(leasesDir(home), digest), ''); // its mtime, now, is the renewal
  return new Date(Date.now() + uploadLeaseMs);
}

/** Until when a lease holds the upload folder `digest`, or undefined when none holds it now. */
export async function heldUntil(home: string, digest: string, now = Date.now()): Promise<Date | undefined> {
  const stat = await fs.stat(path.join(leasesDir(home), digest)).catch(() => undefined);
  const until = stat ? stat.mtimeMs + uploadLeaseMs : 0;
  return until > now ? new Date(until) : undefined;
}

/** Drops the lease of an upload folder prune removed. */
export async function dropLease(home: string, digest: string): Promise<void> {
  await fs.rm(path.join(leasesDir(home), digest), { force: true });
}

/** The upload folder's digest of `file`, which must be an upload: CORRAL_HOME/uploads/templates/DIGEST/NAME. */
function uploadDigestOf(home: string, file: string): string {
  const parts = path.isAbsolute(file) ? path.relative(uploadedTemplatesDir(home), path.resolve(file)).split(path.sep) : [];
  const [digest, name] = parts;
  if (parts.length !== 2 || digest === undefined || !digestPattern.test(digest) || name === undefined || name.startsWith('.')) {
    throw new DriverError('INVALID_CONFIG', `${file} is not a template upload; only a file uploaded from the create dialog can be held`, { field: 'path' });
  }
  return digest;
}
