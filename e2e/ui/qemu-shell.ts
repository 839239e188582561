// A web shell for UI specs on real QEMU tiny guests: a real Engine on a temp CORRAL_HOME (the
// shared e2e download cache), `startServer`, Debian's Chromium with one 1280x800 page, and
// screenshots at 1280x800 and 390 px, light and dark, into test-results/.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { writeGuestTemplate } from '../support/guest.ts';
import { repoRoot } from '../support/temp.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

export const resultsDir = path.join(repoRoot, 'test-results');
const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

export interface QemuShell extends WebShell {
  /** A lima.yaml booting the tiny test guest (1 CPU, 256 MiB, 1 GiB disk, no display). */
  template: string;
}

export async function openQemuShell(): Promise<QemuShell> {
  const shell = await openWebShell({ engine: { cache } });
  const qemu = (await shell.engine.listDrivers()).find((d) => d.name === 'qemu');
  if (!qemu?.available.ok) await shell.close();
  assert.ok(qemu?.available.ok, `these specs need the QEMU driver: ${qemu && !qemu.available.ok ? qemu.available.reason : 'not listed'}; run scripts/install-host-packages.sh`);
  await fs.mkdir(resultsDir, { recursive: true });
  return { ...shell, template: await writeGuestTemplate(shell.root) };
}

/**
 * The page as it is now at 1280x800 and 390x844, light and dark: `NAME-1280-light.png` and so
 * on. Leaves the page at 1280x800, light.
 */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    await page.setViewportSize({ width, height });
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.screenshot({ path: path.join(resultsDir, `${name}-${width}-${colorScheme}.png`), fullPage: true });
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}
