// 200 instances in the list: all of them shown, a status change to one reaches its row
// without a reload and soon (a user-visible responsiveness contract, not a benchmark), a burst
// of changes does not freeze the page, every row stays in the accessibility tree, the Tab order
// and find-in-page, a dialog dims the whole page at 390 px, and a failure far down the list is
// shown where the user is looking. The scripted test driver keeps the VMs cheap; the UI path is the real one.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { tempDir, writeTemplate } from '../support/temp.ts';
import { inViewport, openScriptedShell } from './scripted-shell.ts';
import { resultsDir } from './screens.ts';
import type { ScriptedShell } from './scripted-shell.ts';

const count = 200;
const name = (i: number) => `vm-${String(i).padStart(3, '0')}`;
/** Sorted after every vm-NNN: the last row. Its image is removed after create, so start fails in the engine. */
const lost = 'vm-zz-lost';
const probe = path.join(import.meta.dirname, 'probes', 'responsiveness.js');
/** Generous on a shared 2-core machine; a row re-render of all 200 rows per event blew past it. */
const badgeBoundMs = 1000;
const longTaskBoundMs = 200;

interface LongTask { start: number; duration: number }

const evaluate = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

describe('a list of 200 instances', () => {
  let shell: ScriptedShell;
  let page: Page;
  let lostImage: string;

  before(async () => {
    shell = await openScriptedShell();
    page = shell.page;
    const template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    for (let i = 0; i < count; i++) await shell.engine.create(name(i), { template });
    const lostDir = await tempDir();
    const lostTemplate = await writeTemplate(lostDir, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create(lost, { template: lostTemplate });
    lostImage = path.join(lostDir, 'image.raw');
    await fs.rm(lostDir, { recursive: true });
    await page.addInitScript({ path: probe });
  });

  after(async () => {
    await shell?.close();
  });

  it('shows every instance and follows a status change live, within a second of the push', { timeout: 120_000 }, async (t) => {
    await page.goto(shell.server.url);
    await page.locator(`tr[data-instance="${lost}"]`).waitFor({ timeout: 60_000 });
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('tbody tr').count(), count + 1);
    const latency = evaluate<number>(page, `corralProbe.badgeLatency('vm-123', 'Running', 30000)`);
    await shell.engine.start('vm-123');
    const ms = await latency;
    t.diagnostic(`pushed status to badge: ${ms.toFixed(0)} ms`);
    assert.ok(ms < badgeBoundMs, `the badge showed Running ${ms.toFixed(0)} ms after the pushed event (bound ${badgeBoundMs} ms)`);
    assert.equal(await page.locator('tbody').getByText('Running', { exact: true }).count(), 1, 'only that row changed');
  });

  it(`stays responsive through a burst of status changes (no long task over ${longTaskBoundMs} ms)`, { timeout: 120_000 }, async (t) => {
    const burst = Array.from({ length: 40 }, (_, i) => name(i));
    const since = await evaluate<number>(page, 'corralProbe.now()');
    await Promise.all(burst.map((n) => shell.engine.start(n)));
    await page.locator('tbody').getByText('Running', { exact: true }).nth(burst.length).waitFor(); // vm-123 and the burst
    await Promise.all(burst.map((n) => shell.engine.stop(n)));
    await page.getByTestId(`status-${burst.at(-1)}`).filter({ hasText: 'Stopped' }).waitFor();
    await page.locator('tbody').getByText('Running', { exact: true }).nth(1).waitFor({ state: 'detached' });
    const tasks = await evaluate<LongTask[]>(page, `corralProbe.longTasksSince(${since})`);
    const worst = Math.max(0, ...tasks.map((task) => task.duration));
    t.diagnostic(`${tasks.length} long tasks (> 50 ms) during the burst, the longest ${worst.toFixed(0)} ms`);
    assert.ok(worst <= longTaskBoundMs, `the longest task during ${burst.length * 2} status changes took ${worst.toFixed(0)} ms`);
  });

  // What a list that skips off-screen rows must not lose. CSS content-visibility: auto on the cells
  // (the property does nothing on a <tr>) drops skipped cells' contents from Chromium's accessibility
  // tree, and a virtualised list drops the rows from the page: both fail here.
  it('keeps every row, on screen or not, in the accessibility tree, the Tab order and find-in-page', async () => {
    await page.evaluate('scrollTo(0, 0)');
    // Chromium's own accessibility tree (what a screen reader gets), not Playwright's reading of the DOM.
    const cdp = await page.context().newCDPSession(page);
    const tree = await cdp.send('Accessibility.getFullAXTree') as { nodes: { role?: { value?: unknown }; name?: { value?: unknown } }[] };
    await cdp.detach();
    const links = new Set(tree.nodes.filter((n) => n.role?.value === 'link').map((n) => n.name?.value));
    const missing = [...Array.from({ length: count }, (_, i) => name(i)), lost].filter((n) => !links.has(n));
    assert.deepEqual(missing, [], 'every instance\'s name is a link in the accessibility tree');
    const buttons = new Set(tree.nodes.filter((n) => n.role?.value === 'button').map((n) => n.name?.value));
    assert.ok(buttons.has(`Start ${name(199)}`), 'the last row\'s Start is a button in the accessibility tree');
    // Tab from the last control of a row far below leads into the next row.
    await page.getByRole('link', { name: name(149), exact: true }).focus();
    const rowOf = `document.activeElement.closest('tr')?.dataset.instance`;
    while (await evaluate<string>(page, rowOf) === name(149)) await page.keyboard.press('Tab');
    assert.equal(await evaluate<string>(page, rowOf), name(150), 'Tab went on to the next row');
    // Find-in-page finds a row far below and brings it into view.
    await page.evaluate('scrollTo(0, 0)');
    assert.equal(await evaluate<boolean>(page, `window.find('${name(180)}')`), true, 'find-in-page found the row');
    assert.ok(await inViewport(page, page.locator(`tr[data-instance="${name(180)}"]`)), 'the found row is in view');
  });

  it('dims the whole page behind a dialog at 390 px, down to the bottom of a full-page capture', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate('scrollTo(0, 0)');
    const height = await evaluate<number>(page, 'document.documentElement.scrollHeight');
    const bottom = { x: 0, y: height - 40, width: 40, height: 40 };
    const before = await page.screenshot({ fullPage: true, clip: bottom });
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.getByLabel('Name').waitFor();
    await page.screenshot({ path: path.join(resultsDir, 'many-instances-dialog-390-light.png'), fullPage: true });
    const dimmed = await page.screenshot({ fullPage: true, clip: bottom });
    assert.notDeepEqual(dimmed, before, `the page's last ${bottom.height} px (of ${height}) are dimmed behind the dialog`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.setViewportSize({ width: 1200, height: 800 });
  });

  it('shows a failure of an action at the bottom of the list in view, and announces it', async () => {
    await page.getByRole('button', { name: `Start ${lost}` }).click(); // Playwright scrolls the row into view
    assert.ok(await evaluate<number>(page, 'scrollY') > 0, 'the list was scrolled down');
    const alert = page.getByRole('alert').filter({ hasText: `Start ${lost}:` });
    await alert.waitFor();
    const text = await alert.innerText();
    assert.ok(text.includes(lostImage), `the engine's message names the missing image: ${text}`);
    assert.ok(await inViewport(page, alert), 'the message is inside the viewport, not scrolled away at the top');
    const inRow = page.getByTestId(`error-${lost}`);
    assert.ok(await inViewport(page, inRow), 'the row that failed shows it too');
    await alert.getByRole('button', { name: 'Dismiss message' }).click();
    await alert.waitFor({ state: 'detached' });
    await inRow.waitFor({ state: 'detached' });
  });

  it('logged no page errors but the refused start', () => {
    // Chromium logs every HTTP error answer; the engine answers the failed start with one.
    assert.deepEqual(shell.pageErrors.filter((e) => !/^Failed to load resource: .* 404/.test(e)), []);
  });
});
