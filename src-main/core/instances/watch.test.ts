// The instances folder's watch (watch.ts) on real folders: a folder deleted and made again
// under the same name between two of its events is followed anew, not through the gone one.
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../../e2e/support/temp.ts';
import { watchInstances } from './watch.ts';

describe('the instances folder watch', () => {
  let root: string;
  let changes: { name: string; kinds: string[] }[];
  let waiting: (() => void) | undefined;
  let stop: () => void;

  before(async () => {
    root = await tempDir();
    changes = [];
    stop = watchInstances(root, new Map([['lima.yaml', 'config']]), (name, kinds) => {
      changes.push({ name, kinds: [...kinds] });
      waiting?.();
    });
  });
  after(async () => {
    stop();
    await fs.promises.rm(root, { recursive: true, force: true });
  });

  /** Resolves once a change of `kind` for `name` has been reported. */
  async function reported(name: string, kind: string): Promise<void> {
    while (!changes.some((c) => c.name === name && c.kinds.includes(kind))) {
      await new Promise<void>((resolve) => { waiting = resolve; });
    }
  }

  it('follows the files of a folder that replaced one of the same name', { timeout: 10_000 }, async () => {
    fs.mkdirSync(path.join(root, 'again'));
    await reported('again', 'instance');
    fs.writeFileSync(path.join(root, 'again', 'lima.yaml'), 'cpus: 1\n');
    await reported('again', 'config');
    // Removed and made again in one go: the watch's next look finds a folder of that name still there.
    fs.rmSync(path.join(root, 'again'), { recursive: true });
    fs.mkdirSync(path.join(root, 'again'));
    changes = [];
    await reported('again', 'instance');
    changes = [];
    fs.writeFileSync(path.join(root, 'again', 'lima.yaml'), 'cpus: 2\n');
    await reported('again', 'config');
  });
});
