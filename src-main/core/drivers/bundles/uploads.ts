// Bundle files the web shell uploaded, waiting for the user's decision in the trust dialog:
// CORRAL_HOME/tmp/uploads/ID.corral-driver, readable only by this user. An upload is removed
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
  const file = path.join(uploadsDir(home), `${id}${bundleExtension}`);
  try {
    await fsp.access(file);
  } catch {
    throw new DriverError('NOT_FOUND', 'the uploaded bundle is gone (uploads are kept for an hour); drop the file again', { upload: id });
  }
  return file;
}

/** Stores an uploaded bundle (at most the bundle size limit) and returns its id. */
export async function saveUpload(home: string, body: Readable, maxBytes = defaultLimits.maxBundleBytes): Promise<string> {
  const dir = uploadsDir(home);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  await removeStale(dir);
  const id = randomBytes(16).toString('hex');
  const file = path.join(dir, `${id}${bundleExtension}`);
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
    await fsp.rm(file, { force: true });
    throw error;
  }
  return id;
}

export async function discardUpload(home: string, id: string): Promise<void> {
  await fsp.rm(path.join(uploadsDir(home), `${id}${bundleExtension}`), { force: true });
}

async function removeStale(dir: string): Promise<void> {
  const now = Date.now();
  for (const name of await fsp.readdir(dir)) {
    const file = path.join(dir, name);
    const stat = await fsp.stat(file).catch(() => undefined);
    if (stat && now - stat.mtimeMs > MAX_AGE_MS) await fsp.rm(file, { force: true });
  }
}
