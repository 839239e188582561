// A web shell for UI specs on real QEMU tiny guests: a real Engine on a temp CORRAL_HOME (the
// shared e2e download cache), `startServer`, Debian's Chromium with one 1280x800 page, and
// screenshots at 1280x800 and 390 px, light and dark, into test-results/.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { writeGuestTemplate } from '../support/guest.ts';
import { repoRoot, tempDir } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

export const resultsDir = path.join(repoRoot, 'test-results');
const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

export interface QemuShell {
  root: string;
  engine: Engine;
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** A lima.yaml booting the tiny test guest (1 CPU, 256 MiB, 1 GiB disk, no display). */
  template: string;
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openQemuShell(): Promise<QemuShell> {
  const staticDir = await ensureRendererBuilt();
  const root = await tempDir();
  const engine = new Engine({ home: path.join(root, 'home'), cache });
  const qemu = (await engine.listDrivers()).find((d) => d.name === 'qemu');
  assert.ok(qemu?.available.ok, `these specs need the QEMU driver: ${qemu && !qemu.available.ok ? qemu.available.reason : 'not listed'}; run scripts/install-host-packages.sh`);
  const template = await writeGuestTemplate(root);
  const server = await startServer({ engine, port: 0, staticDir });
  const browser = await launchChromium();
  // axe-core's Playwright builder needs a page of an explicit context.
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await fs.mkdir(resultsDir, { recursive: true });
  return {
    root, engine, server, browser, page, template, pageErrors,
    async close() {
      await browser.close();
      await server.close();
      // Every VM ends before its folder goes: no QEMU left behind.
      for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
      await engine.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
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
