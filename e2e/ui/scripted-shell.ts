// A web shell for UI specs that need no hypervisor: a real Engine on a temp CORRAL_HOME with
// the scripted test driver (and, on request, a copy of it that cannot pause, or the console
// fixture), `startServer`, and Debian's Chromium with one page. The UI path is the real one.
import path from 'node:path';
import type { BrowserContextOptions, Locator, Page } from 'playwright-core';
import { forkDriverProcess } from '../../src-main/core/drivers/process.ts';
import type { DriverEntry } from '../../src-main/core/drivers/host.ts';
import { fixtureDriver, repoRoot } from '../support/temp.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

export type ScriptedShell = WebShell;

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

export function openScriptedShell(options: { drivers?: DriverEntry[]; context?: BrowserContextOptions } = {}): Promise<ScriptedShell> {
  return openWebShell({
    engine: { cache: null, extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }, ...(options.drivers ?? [])] },
    context: { viewport: { width: 1200, height: 800 }, ...options.context },
    instancesAreFiles: true,
  });
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
