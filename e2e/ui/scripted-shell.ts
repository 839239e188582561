// A web shell for UI specs that need no hypervisor: a real Engine on a temp CORRAL_HOME with
// the scripted test driver (and, on request, a copy of it that cannot pause, or the console
// fixture), `startServer`, and Debian's Chromium with one page. The UI path is the real one.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { forkDriverProcess } from '../../src-main/core/drivers/process.ts';
import type { DriverEntry } from '../../src-main/core/drivers/host.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { fixtureDriver, repoRoot, tempDir } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

export interface ScriptedShell {
  root: string;
  engine: Engine;
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** Every page error and console error, for a final "none" check. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** The scripted driver under the name `steady`, told it cannot pause. */
export const noPauseDriver: DriverEntry = {
  name: 'steady',
  entry: fixtureDriver('scripted-driver.ts'),
  spawn: (options) => forkDriverProcess({ ...options, env: { ...process.env, CORRAL_SCRIPTED_NO_PAUSE: '1' } }),
};

/** The scripted driver under the name `booting`, declaring ssh: its starts get a host agent and a guest status. */
export const sshScriptedDriver: DriverEntry = {
  name: 'booting',
  entry: fixtureDriver('scripted-driver.ts'),
  spawn: (options) => forkDriverProcess({ ...options, env: { ...process.env, CORRAL_SCRIPTED_SSH: '1' } }),
};

/** The scripted driver under the name `busy`, declaring stats: its running VMs stream made-up figures each second. */
export const statsScriptedDriver: DriverEntry = {
  name: 'busy',
  entry: fixtureDriver('scripted-driver.ts'),
  spawn: (options) => forkDriverProcess({ ...options, env: { ...process.env, CORRAL_SCRIPTED_STATS: '1' } }),
};

export const consoleDriver: DriverEntry = { name: 'console-fixture', entry: path.join(repoRoot, 'e2e/ui/fixtures/console-driver.ts') };

/** The console fixture under the name `all-views`, declaring a display and snapshots: its instance pages have every tab. */
export const allViewsDriver: DriverEntry = {
  name: 'all-views',
  entry: consoleDriver.entry,
  spawn: (options) => forkDriverProcess({ ...options, env: { ...process.env, CORRAL_CONSOLE_ALL_VIEWS: '1' } }),
};

export async function openScriptedShell(options: { drivers?: DriverEntry[]; context?: BrowserContextOptions } = {}): Promise<ScriptedShell> {
  const staticDir = await ensureRendererBuilt();
  const root = await tempDir();
  const engine = new Engine({
    home: path.join(root, 'home'),
    extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }, ...(options.drivers ?? [])],
  });
  const server = await startServer({ engine, port: 0, staticDir });
  const browser = await launchChromium();
  // axe-core's Playwright builder needs a page of an explicit context.
  const page = await (await browser.newContext({ viewport: { width: 1200, height: 800 }, ...options.context })).newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  return {
    root, engine, server, browser, page, pageErrors,
    async close() {
      await browser.close();
      await server.close();
      // The scripted VMs are files in the temp home, no processes: removing the folder is enough.
      await engine.close();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** Resolves once `locator` shows `text` (Playwright waits on DOM changes, no sleeps). */
export function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

/** Whether the element's box lies entirely inside the viewport as it is scrolled now. */
export async function inViewport(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox(); // relative to the viewport as it is scrolled now
  const viewport = page.viewportSize();
  if (!box || !viewport) return false;
  return box.height > 0 && box.y >= 0 && box.x >= 0 && box.y + box.height <= viewport.height && box.x + box.width <= viewport.width;
}
