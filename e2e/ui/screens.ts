// Screenshots of a screen as a person checks it: 1280x800 and 390 px wide, light and dark,
// each with the axe check, into test-results/ (listed by .ci/run). The page is left at
// 1280x800, light.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';

export const resultsDir = path.join(repoRoot, 'test-results');

/** `sideways`: the page may scroll sideways at 390 px (a screen outside this spec's part, e.g. the instance list). */
export async function screens(page: Page, name: string, options: { sideways?: boolean } = {}): Promise<void> {
  await fs.mkdir(resultsDir, { recursive: true });
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme: scheme });
      assert.deepEqual(await seriousViolations(page), [], `${name} at ${width} px, ${scheme}`);
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
      assert.ok(options.sideways || overflow <= 0, `${name} at ${width} px scrolls sideways by ${overflow} px`);
      await page.screenshot({ path: path.join(resultsDir, `${name}-${width}-${scheme}.png`), fullPage: true });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}
