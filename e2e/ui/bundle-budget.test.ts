// Guards the renderer's weight where CI sees it: the list's first screen loads none of the
// instance page's heavy parts (xterm, noVNC, the page itself) nor the API schemas, and the
// whole build and the first screen stay within their gzip budgets. Reads the built files and
// their source maps; a change that pulls a heavy import back into the list, or adds weight
// past the budget, fails here with the names of the files.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ensureRendererBuilt } from './renderer-build.ts';
import { chunkSources, firstScreenFiles, shippedFiles } from './renderer-files.ts';
import type { ShippedFile } from './renderer-files.ts';

/**
 * The figures reached (session 9, gzip -9: every file 273.2 KiB, was 277.9 before the idle views
 * shared one chunk; the first screen 100.2 KiB with its stylesheet) with about 1 KiB of room. Raise them only with a reason in
 * the commit; the goal for the whole is 228 KiB. Session 12 raised the total by 1 KiB: the
 * instance page's Shared folders section and SSH hint took the build to 274.5 KiB, the old limit.
 * Session 16 lowered both: terser (vite.config.ts) took the build from 276.0 to 268.7 KiB and the
 * first screen from 101.6 to 100.2 KiB.
 */
const budgetKiB = { total: 270, firstScreen: 101.2 };

/** What the list must not wait for: each loads with the instance page, the display, or the first API call. */
const notOnFirstScreen: [string, RegExp][] = [
  ['xterm', /node_modules\/@xterm\//],
  ['noVNC', /node_modules\/@novnc\//],
  ['the instance page', /src-renderer\/features\/instances\/InstancePage\.tsx$/],
  ['zod and the API schemas', /node_modules\/zod\/|src-main\/api\/methods\.ts$/],
];

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const list = (files: ShippedFile[]) => files.sort((a, b) => b.gzip - a.gzip).map((f) => `${f.file} ${kib(f.gzip)}`).join(', ');

describe('renderer bundle', () => {
  let dir = '';
  let shipped: ShippedFile[] = [];
  let first = new Set<string>();
  before(async () => {
    dir = await ensureRendererBuilt();
    shipped = await shippedFiles(dir);
    first = new Set(await firstScreenFiles(dir));
  });

  it('the list\'s first screen loads no xterm, noVNC, instance page or API schemas', async () => {
    const scripts = [...first].filter((f) => f.endsWith('.js'));
    assert.ok(scripts.length > 0, 'index.html loads no script');
    for (const file of scripts) {
      const sources = await chunkSources(dir, file);
      for (const [what, pattern] of notOnFirstScreen) {
        const found = sources.filter((s) => pattern.test(s));
        assert.deepEqual(found, [], `${what} is in ${file}, which the list loads before its first paint`);
      }
    }
  });

  it('the heavy parts are still in the build, in chunks loaded later', async () => {
    // Without this, a renamed package or folder would make the check above pass on nothing.
    const later = shipped.map((f) => f.file).filter((f) => f.endsWith('.js') && !first.has(f));
    const sources = (await Promise.all(later.map((f) => chunkSources(dir, f)))).flat();
    for (const [what, pattern] of notOnFirstScreen) assert.ok(sources.some((s) => pattern.test(s)), `no later chunk holds ${what}`);
  });

  it(`every file together is within ${budgetKiB.total} KiB gzip, the first screen within ${budgetKiB.firstScreen} KiB`, () => {
    const total = shipped.reduce((sum, f) => sum + f.gzip, 0);
    const firstFiles = shipped.filter((f) => first.has(f.file));
    const firstScreen = firstFiles.reduce((sum, f) => sum + f.gzip, 0);
    assert.ok(total <= budgetKiB.total * 1024, `the build is ${kib(total)} gzip, over its ${budgetKiB.total} KiB budget: ${list(shipped)}`);
    assert.ok(firstScreen <= budgetKiB.firstScreen * 1024, `the first screen is ${kib(firstScreen)} gzip, over its ${budgetKiB.firstScreen} KiB budget: ${list(firstFiles)}`);
  });
});
