// Bundle files the web shell uploaded, waiting for the user's decision in the trust dialog:
// CORRAL_HOME/tmp/uploads/ID/NAME (NAME: the dropped file's name, tidied, so messages name the
// file the user knows), readable only by this user. An upload is removed
// once installed; any left (a dialog that was declined or closed) go after an hour.
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
export async function saveUpload(home: string, body: Readable, name: string | null, maxBytes = defaultLimits.maxBundleBytes): Promise<string> {
  const root = uploadsDir(home);
  await fsp.mkdir(root, { recursive: true, mode: 0o700 });
  await removeStale(root);
  const id = randomBytes(16).toString('hex');
  await fsp.mkdir(path.join(root, id), { mode: 0o700 });
  const file = path.join(root, id, uploadName(name));
  let size = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) done(new DriverError('INVALID_BUNDLE', `driver bundle refused: it is over the ${maxBytes / (1024 * 1024)} MiB limit`, { reason: 'too-large' }));
      else done(null, chunk);
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

async function removeStale(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await fsp.readdir(dir)) {
    const file = path.join(dir, name);
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat && now - stat.mtimeMs > MAX_AGE_MS) await fsp.rm(file, { recursive: true, force: true });
  }
}
