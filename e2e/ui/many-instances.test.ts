// 200 instances in the list: all of them shown, a status change to one reaches its row
// without a reload and soon (a user-visible responsiveness contract, not a benchmark), a burst
// of changes does not freeze the page, and a failure far down the list is shown where the user
// is looking. The scripted test driver keeps the VMs cheap; the UI path is the real one.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { tempDir, writeTemplate } from '../support/temp.ts';
import { inViewport, openScriptedShell } from './scripted-shell.ts';
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
