// Finding instances: search by name, filter by status and driver, sort by a column; keyboard
// shortcuts ("/" search, "?" help sheet, "n" new instance, "s" start on an instance page,
// Backspace back); at 390 px one line per row and no sideways scrolling. Real QEMU tiny guests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { seriousViolations } from './browser.ts';
import { openQemuShell, screenshots } from './qemu-shell.ts';
import type { QemuShell } from './qemu-shell.ts';
import { shows } from './scripted-shell.ts';

type Doc = { document: { activeElement: { id?: string } | null; documentElement: { scrollWidth: number } } };

async function rowNames(page: Page): Promise<string[]> {
  return page.locator('tbody tr[data-instance]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance') ?? ''));
}

describe('the instance list: search, filter, sort, shortcuts, 390 px (QEMU)', () => {
  let shell: QemuShell;
  let page: Page;

  before(async () => {
    shell = await openQemuShell();
    page = shell.page;
    const { engine, template } = shell;
    await engine.create('web-a', { template });
    await engine.create('db-b', { template, cpus: 2 });
    await engine.create('web-c', { template, memory: '512MiB' });
    await engine.start('db-b');
  });

  after(async () => {
    await shell?.close();
  });

  it('searches by name, saying how many of how many show', async () => {
    await page.goto(shell.server.url);
    await page.locator('[data-testid="status-db-b"][data-state="Running"]').waitFor();
    assert.deepEqual(await rowNames(page), ['db-b', 'web-a', 'web-c']);
    await page.getByLabel('Search instances by name').fill('web');
    await shows(page.getByRole('status'), 'Showing 2 of 3.');
    assert.deepEqual(await rowNames(page), ['web-a', 'web-c']);
    await page.getByLabel('Search instances by name').fill('nothing-like-it');
    await shows(page.getByRole('status'), 'No instance matches.');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    assert.deepEqual(await rowNames(page), ['db-b', 'web-a', 'web-c']);
  });

  it('filters by status and by driver', async () => {
    await page.getByLabel('Status').selectOption('Running');
    assert.deepEqual(await rowNames(page), ['db-b']);
    await page.getByLabel('Status').selectOption('Stopped');
    assert.deepEqual(await rowNames(page), ['web-a', 'web-c']);
    await page.getByLabel('Status').selectOption('');
    assert.deepEqual(await page.getByLabel('Driver', { exact: true }).locator('option').allInnerTexts(), ['Any driver', 'qemu']);
    await page.getByLabel('Driver', { exact: true }).selectOption('qemu');
    assert.deepEqual(await rowNames(page), ['db-b', 'web-a', 'web-c']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  it('sorts by a column, and the other way on a second click', async () => {
    const cpus = page.getByRole('columnheader', { name: 'CPUs' });
    await cpus.getByRole('button').click();
    assert.equal(await cpus.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(await rowNames(page), ['web-a', 'web-c', 'db-b']);
    await cpus.getByRole('button').click();
    assert.equal(await cpus.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await rowNames(page), ['db-b', 'web-a', 'web-c']);
    const memory = page.getByRole('columnheader', { name: 'Memory' });
    await memory.getByRole('button').click();
    await memory.getByRole('button').click();
    assert.equal(await cpus.getAttribute('aria-sort'), null, 'one sort column at a time');
    assert.equal(await memory.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await rowNames(page), ['web-c', 'db-b', 'web-a'], 'most memory first, ties by name');
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
  });

  it('"/" puts the focus in the search, "?" and the button open the shortcuts sheet, "n" the create dialog', async () => {
    await page.locator('h1').click(); // the focus on the page, in no field
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => (globalThis as unknown as Doc).document.activeElement?.id), 'instance-search');
    await page.keyboard.type('db');
    assert.deepEqual(await rowNames(page), ['db-b']);
    await page.keyboard.press('Escape'); // clears the search
    assert.deepEqual(await rowNames(page), ['db-b', 'web-a', 'web-c']);
    await page.locator('h1').click();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await shows(help, 'New instance');
    await shows(help, 'Search instances');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshots(page, 'list-shortcuts');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await help.waitFor();
    await help.getByRole('button', { name: 'Close' }).click();
    await help.waitFor({ state: 'hidden' });
    await page.keyboard.press('n');
    const create = page.getByRole('dialog', { name: 'New instance' });
    await create.waitFor();
    await page.keyboard.press('n'); // typed into the dialog's name field, not a shortcut
    assert.equal(await create.getByLabel('Name').inputValue(), 'n');
    await page.keyboard.press('Escape');
    await create.waitFor({ state: 'hidden' });
  });

  it('"s" on an instance page starts it, Backspace goes back to the list', { timeout: 90_000 }, async () => {
    await page.getByRole('link', { name: 'web-a' }).click();
    await page.getByRole('heading', { name: 'web-a', level: 1 }).waitFor();
    await page.keyboard.press('s');
    await page.locator('[data-testid="status-web-a"][data-state="Running"]').waitFor({ timeout: 60_000 });
    await page.locator('h1').click(); // not in the console, whose keys go to the guest
    await page.keyboard.press('Backspace');
    await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor();
  });

  it('at 390 px: one line per row, nothing wider than the screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate(() => (globalThis as unknown as Doc).document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width} px wide`);
    for (const name of ['db-b', 'web-a', 'web-c']) {
      const box = await page.locator(`tr[data-instance="${name}"]`).boundingBox();
      assert.ok(box && box.height < 60, `row ${name} is ${box?.height} px tall`);
    }
    assert.deepEqual(await seriousViolations(page), []);
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshots(page, 'list-three');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
