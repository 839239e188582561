// What the checks read from disk: the files a driver made, whether one records a path, the
// end of a driver's log, and the guest staged where a sandboxed driver may read it.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ConformanceGuest } from './types.ts';

/** "; its log FILE ends: ..." for a failure message. */
export async function logTail(file: string, lines = 6): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const tail = text.trimEnd().split('\n').slice(-lines).join(' | ');
  return tail ? `; its log ${file} ends: ${tail}` : `; its log ${file} is empty`;
}

/** Relative paths of the files under `dir` (none when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

/** Whether `file` holds the bytes of `needle` (the first 64 MiB are read: headers are where paths live). */
export async function fileMentions(file: string, needle: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const wanted = Buffer.from(needle);
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let carry = Buffer.alloc(0);
    for (let position = 0; position < 64 * 1024 * 1024;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) return false;
      const window = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      if (window.includes(wanted)) return true;
      carry = window.subarray(Math.max(0, window.length - wanted.length + 1));
      position += bytesRead;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** Copies the guest's files into the downloads folder, where the engine keeps artifacts and a sandboxed driver may read. */
export async function stageGuest(guest: ConformanceGuest, downloads: string): Promise<ConformanceGuest> {
  await fs.mkdir(downloads, { recursive: true });
  const copy = async (file: string, name: string) => {
    const target = path.join(downloads, name);
    await fs.copyFile(file, target, fs.constants.COPYFILE_FICLONE);
    return target;
  };
  return {
    kernel: await copy(guest.kernel, 'kernel'),
    initrd: await copy(guest.initrd, 'initrd'),
    ...(guest.disk ? { disk: await copy(guest.disk, `disk${path.extname(guest.disk)}`) } : {}),
    ...(guest.cmdline !== undefined ? { cmdline: guest.cmdline } : {}),
  };
}

export const list = (items: string[]) => (items.length > 0 ? items.join(', ') : 'none');
