// The set-up most UI specs share: a real Engine on a temp CORRAL_HOME, the web shell
// (`startServer`) on 127.0.0.1, Debian's Chromium with one page, and a teardown that leaves no
// VM, server or browser behind. Options cover what specs vary: the engine's drivers, cache and
// health checks, the page's viewport and scheme, and which console messages count as errors.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import type { EngineOptions } from '../../src-main/core/engine.ts';
import { startServer } from '../../src-main/server/server.ts';
import type { RunningServer } from '../../src-main/server/server.ts';
import { tempDir } from '../support/temp.ts';
import { launchChromium } from './browser.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

export interface WebShellOptions {
  /** The temp root's name prefix. */
  prefix?: string;
  /** The engine's options besides its home (ROOT/home); `cache` defaults to ROOT/cache, `null` leaves it to the engine. */
  engine?: Omit<EngineOptions, 'home' | 'cache'> & { cache?: string | null };
  /** The page's browser context; the viewport defaults to 1280x800. */
  context?: BrowserContextOptions;
  /** Console errors matching this are expected (e.g. a refused upload's 4xx) and not recorded. */
  expectedConsoleErrors?: RegExp;
  /** Skip deleting the instances at close: they are files only (scripted driver), the root's removal is enough. */
  instancesAreFiles?: boolean;
}

export interface WebShell {
  root: string;
  /** The engine's CORRAL_HOME (ROOT/home). */
  home: string;
  engine: Engine;
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** Every page error and unexpected console error, for a final "none" check. */
  pageErrors: string[];
  /**
   * Closes the browser and server, deletes every instance (no VM outlives it), closes the engine,
   * waits for `pending` (work the engine's close ends, e.g. a create held by a stalled driver),
   * and removes the root.
   */
  close(pending?: Promise<unknown>): Promise<void>;
}

export async function openWebShell(options: WebShellOptions = {}): Promise<WebShell> {
  const staticDir = await ensureRendererBuilt();
  const root = await tempDir(options.prefix);
  const home = path.join(root, 'home');
  const { cache = path.join(root, 'cache'), ...engineOptions } = options.engine ?? {};
  const engine = new Engine({ home, ...(cache === null ? {} : { cache }), ...engineOptions });
  const server = await startServer({ engine, port: 0, staticDir });
  const browser = await launchChromium();
  // axe-core's Playwright builder needs a page of an explicit context.
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options.context })).newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !options.expectedConsoleErrors?.test(message.text())) pageErrors.push(message.text());
  });
  return {
    root, home, engine, server, browser, page, pageErrors,
    async close(pending) {
      await browser.close();
      await server.close();
      if (!options.instancesAreFiles) for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
      await engine.close();
      await pending;
      await fs.rm(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
