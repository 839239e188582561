// Bundle files the web shell uploaded, waiting for the user's decision in the trust dialog:
// CORRAL_HOME/tmp/uploads/ID/NAME (NAME: the dropped file's name, tidied, so messages name the
// file the user knows), readable only by this user. An upload is removed
// once installed; any left (a dialog that was declined or closed) go after an hour. Until then
// they count against a cap on how many, and how many bytes, may wait at once: a page that
// uploads in a loop is refused instead of filling the disk.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { defaultLimits } from './inspect.ts';
import { bundleExtension } from './pack.ts';

const MAX_AGE_MS = 60 * 60 * 1000;

/** How many uploads, and how many bytes of them, may wait for a decision at once. */
export const pendingUploadLimits = { count: 16, bytes: 256 * 1024 * 1024 };

const inUnits = (bytes: number): string => (bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${Math.round(bytes / (1024 * 1024))} MiB`);

const uploadsDir = (home: string) => path.join(home, 'tmp', 'uploads');

/** The file of upload `id`; NOT_FOUND when there is none (expired, installed already, or made up). */
export async function uploadPath(home: string, id: string): Promise<string> {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new DriverError('INVALID_CONFIG', `"${id}" is not an upload id`);
  const dir = path.join(uploadsDir(home), id);
  const [name] = await fsp.readdir(dir).catch(() => []);
  if (!name) throw new DriverError('NOT_FOUND', 'the uploaded bundle is gone (uploads are kept for an hour); drop the file again', { upload: id });
  return path.join(dir, name);
}

/** The dropped file's name, safe as one path component; a generic one when nothing usable is left. */
export function uploadName(name: string | null | undefined): string {
  const tidy = (name ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 100);
  return tidy.endsWith(bundleExtension) ? tidy : `bundle${bundleExtension}`;
}

/** Stores an uploaded bundle (at most the bundle size limit) under its tidied `name` and returns its id. */
export async function saveUpload(
  home: string, body: Readable, name: string | null, maxBytes = defaultLimits.maxBundleBytes, limits = pendingUploadLimits,
): Promise<string> {
  const root = uploadsDir(home);
  await fsp.mkdir(root, { recursive: true, mode: 0o700 });
  await removeStale(root);
  const pending = await pendingUploads(root);
  if (pending.count >= limits.count) {
    throw new DriverError('BUSY', `${pending.count} uploaded driver bundles are already waiting for a decision (at most ${limits.count}); install or cancel them, or try again within the hour`, { reason: 'too-many-uploads' });
  }
  const id = randomBytes(16).toString('hex');
  await fsp.mkdir(path.join(root, id), { mode: 0o700 });
  const file = path.join(root, id, uploadName(name));
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) done(new DriverError('INVALID_BUNDLE', `driver bundle refused: it is over the ${maxBytes / (1024 * 1024)} MiB limit`, { reason: 'too-large' }));
      else if (pending.bytes + size > limits.bytes) {
        done(new DriverError('BUSY', `driver bundle refused: uploads waiting for a decision already hold ${inUnits(pending.bytes)} (at most ${inUnits(limits.bytes)}); install or cancel them first`, { reason: 'too-many-upload-bytes' }));
      } else done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, fs.createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    await discardUpload(home, id);
    throw error;
  }
  return id;
}

export async function discardUpload(home: string, id: string): Promise<void> {
  if (/^[0-9a-f]{32}$/.test(id)) await fsp.rm(path.join(uploadsDir(home), id), { recursive: true, force: true });
}

/** The uploads in `root` (finished or still arriving) and the bytes they hold. */
async function pendingUploads(root: string): Promise<{ count: number; bytes: number }> {
  let count = 0;
  let bytes = 0;
  for (const id of await fsp.readdir(root)) {
    count += 1;
    for (const file of await fsp.readdir(path.join(root, id)).catch(() => [])) {
      bytes += (await fsp.stat(path.join(root, id, file)).catch(() => undefined))?.size ?? 0;
    }
  }
  return { count, bytes };
}

async function removeStale(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await fsp.readdir(dir)) {
    const file = path.join(dir, name);
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat && now - stat.mtimeMs > MAX_AGE_MS) await fsp.rm(file, { recursive: true, force: true });
  }
}
