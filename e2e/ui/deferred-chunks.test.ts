// The pages and dialogs outside the instance list come in chunks fetched after the first paint.
// A chunk that fails to arrive (the engine stopped or restarted meanwhile) must not blank the
// window: the page asks for it again, and if it still cannot be had while the engine answers,
// only that view says what failed and offers a reload; the sidebar and other views keep working.
// Real web shell and engine; the failures are Chromium's own aborted fetches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { guestTemplate } from '../support/guest.ts';
import { screens } from './screens.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

describe('deferred chunks that fail to arrive', () => {
  let shell: WebShell;

  before(async () => {
    shell = await openWebShell();
    await shell.engine.create('tiny', { template: await guestTemplate() });
  });

  after(async () => {
    await shell?.close();
  });

  async function openPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await (await shell.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    return { page, errors };
  }

  it('a page whose code failed to arrive is asked for again and then shown', { timeout: 120_000 }, async () => {
    const { page, errors } = await openPage();
    let refused = 0;
    // Settings is in the idle views' shared chunk (vite.config.ts).
    await page.route(/\/assets\/views-[^/]+\.js$/, (route) => (refused++ < 2 ? route.abort('connectionreset') : route.continue()));
    await page.goto(shell.server.url);
    await page.getByRole('button', { name: 'Start tiny' }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor({ timeout: 30_000 });
    assert.ok(refused >= 3, `the chunk was fetched ${refused} times; two failures then a success were expected`);
    assert.deepEqual(errors, [], 'no uncaught error reached the page');
    await page.close();
  });

  it('a page whose code cannot be had says so in its place; the rest of the app works', { timeout: 120_000 }, async () => {
    const { page, errors } = await openPage();
    await page.route(/\/assets\/InstancePage-[^/]+\.js$/, (route) => route.abort('connectionreset'));
    await page.goto(shell.server.url);
    await page.getByRole('link', { name: 'tiny', exact: true }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'This page could not be shown.' });
    await failed.waitFor({ timeout: 60_000 });
    assert.equal(await failed.getByRole('button', { name: 'Reload page' }).isVisible(), true);
    await screens(page, 'view-failed');
    // The sidebar still works, and the list comes back in place of the failed view.
    await page.getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('button', { name: 'Start tiny' }).waitFor();
    assert.equal(await failed.count(), 0);
    assert.deepEqual(errors, [], 'no uncaught error reached the page');
    await page.close();
  });
});
