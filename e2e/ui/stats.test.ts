// Live figures in the UI: a CPU figure beside each running row's status (none for a stopped
// one, none for a driver without stats), and on the instance page the last minute of CPU and
// memory as graphs with their values, disk and network rates, following the stream and ending
// with the VM. The scripted driver `busy` streams made-up figures each second (the real QEMU
// figures are e2e/vm-stats.test.ts); the UI path is the real one. Screenshots at 1280x800 and
// 390 px, light and dark, in test-results/.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { repoRoot, writeTemplate } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { openScriptedShell, shows, statsScriptedDriver } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

const resultsDir = path.join(repoRoot, 'test-results');

/** The little of the page's globals these checks use (this file is type-checked without the DOM's types). */
type PageGlobals = { document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null } };

async function keepScreenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, name), fullPage: true });
}

/**
 * Screenshots of the page as it is, in the four looks a user may have, each passing axe; the
 * figures (`part`) never stick out of the viewport (the rest of the page is other parts' work).
 */
async function screenshotsOf(page: Page, prefix: string, part: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [label, size] of [['1280', { width: 1280, height: 800 }], ['390', { width: 390, height: 844 }]] as const) {
      await page.setViewportSize(size);
      await keepScreenshot(page, `${prefix}-${label}-${scheme}.png`);
      assert.deepEqual(await seriousViolations(page), [], `axe, ${prefix} ${label} px ${scheme}`);
      const box = await page.locator(part).first().boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= size.width, `${part} fits ${label} px (${JSON.stringify(box)})`);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
}

/** The number of points in the graph's line. */
const pointsOf = (page: Page, testId: string): Promise<number> =>
  page.getByTestId(testId).locator('polyline').evaluate((line) => (line.getAttribute('points') ?? '').split(' ').filter(Boolean).length);

describe('live figures in the UI', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell({ drivers: [statsScriptedDriver], context: { viewport: { width: 1280, height: 800 } } });
    const busy = await writeTemplate(shell.root, { vmType: 'busy', cpus: 2, memory: '256MiB', disk: '1GiB' });
    await fs.mkdir(path.join(shell.root, 'plain'));
    const plain = await writeTemplate(path.join(shell.root, 'plain'), { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    for (const name of ['web', 'db', 'idle']) await shell.engine.create(name, { template: busy });
    await shell.engine.create('legacy', { template: plain });
    for (const name of ['web', 'db', 'legacy']) await shell.engine.start(name);
  });

  after(async () => {
    await shell?.close();
  });

  it('shows a CPU figure beside each running row that has figures, and none elsewhere', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await shows(page.getByTestId('cpu-web'), /^\d+(\.\d)? % CPU$/);
    await shows(page.getByTestId('cpu-db'), /% CPU/);
    assert.equal(await page.getByTestId('cpu-idle').count(), 0, 'a stopped instance has no figure');
    assert.equal(await page.getByTestId('cpu-legacy').count(), 0, 'a driver without stats has no figure');
    // It follows the stream: the made-up CPU moves each second.
    const first = await page.getByTestId('cpu-web').innerText();
    await page.getByTestId('cpu-web').filter({ hasNotText: first }).waitFor({ timeout: 15_000 });
    await screenshotsOf(page, 'stats-list', '[data-testid="cpu-web"]');
  });

  it('leaves a figure scrolled out of view alone, and brings it up to date when it comes back', async () => {
    // What keeps 200 streaming rows smooth: only figures on screen are redrawn each second.
    const { page } = shell;
    const db = await page.locator('tr[data-instance="db"]').boundingBox();
    const web = await page.locator('tr[data-instance="web"]').boundingBox();
    assert.ok(db && web && web.y > db.y + db.height, 'web is listed below db');
    await page.setViewportSize({ width: 1280, height: Math.ceil(db.y + db.height) + 1 });
    const hidden = await textOf(page, 'cpu-web');
    await nextFigure(page, 'cpu-db');
    await nextFigure(page, 'cpu-db');
    assert.equal(await textOf(page, 'cpu-web'), hidden, 'the figure out of view was not redrawn');
    await page.getByTestId('cpu-web').scrollIntoViewIfNeeded();
    await page.getByTestId('cpu-web').filter({ hasNotText: hidden }).waitFor({ timeout: 5_000 });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('graphs CPU and memory on the instance page, with disk and network rates, growing each second', async () => {
    const { page } = shell;
    await page.getByRole('link', { name: 'web', exact: true }).click();
    const section = page.getByRole('region', { name: /Activity/ });
    await section.waitFor();
    await shows(page.getByTestId('stats-cpu-value'), /\d+(\.\d)? %/);
    await shows(page.getByTestId('stats-memory-value'), /MiB/);
    await shows(page.getByTestId('stats-disk-read'), '4 KiB/s');
    await shows(page.getByTestId('stats-net-in'), '4 KiB/s');
    await shows(page.getByTestId('stats-network-value'), 'in 4 KiB/s · out 4 KiB/s');
    const points = await pointsOf(page, 'stats-cpu');
    await page.waitForFunction((n) => {
      const line = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="stats-cpu"] polyline');
      return (line?.getAttribute('points') ?? '').split(' ').filter(Boolean).length > n;
    }, points, { timeout: 15_000 });
    assert.ok(await pointsOf(page, 'stats-memory') >= 2, 'the memory line has points too');
    assert.equal(await page.getByTestId('stats-network').locator('polyline').count(), 2, 'network in and out, two lines');
    const label = await page.getByTestId('stats-cpu').locator('svg').getAttribute('aria-label');
    assert.match(label ?? '', /^CPU over the last minute, now [\d.]+ % \(0–\d+ % of one core\)$/);
    // Each card's figures sit on their own line under its label, inside the card.
    for (const card of ['stats-cpu', 'stats-memory', 'stats-network']) {
      const title = await page.getByTestId(`${card}-label`).boundingBox();
      const value = await page.getByTestId(`${card}-value`).boundingBox();
      const box = await page.getByTestId(card).boundingBox();
      assert.ok(title && value && box, `${card} has a label, figures and a box`);
      assert.ok(value.y >= title.y + title.height - 1, `${card}: the figures are beside the label, not under it`);
      assert.ok(value.x + value.width <= box.x + box.width, `${card}: the figures stick out of the card`);
    }
    await screenshotsOf(page, 'stats-instance', 'section.stats');
  });

  it('ends the figures with the VM, and starts them again with it', async () => {
    const { page } = shell;
    await shell.engine.stop('web');
    await section(page).waitFor({ state: 'detached' });
    await shell.engine.start('web');
    await shows(page.getByTestId('stats-cpu-value'), /%|…/);
    await page.getByRole('button', { name: '← All instances' }).click();
    await shows(page.getByTestId('cpu-web'), /% CPU/);
    // Only running instances whose driver has figures are ever watched.
    const watched = shell.engine.stats.watchedNames;
    assert.ok(!watched.includes('idle') && !watched.includes('legacy'), `watched: ${watched.join(', ')}`);
  });

  it('scales the memory axis to hold the VM process\'s figures when they pass the guest\'s memory', async () => {
    // The made-up figures are 64 to 96 MiB: more than this guest's 64 MiB, as QEMU's own memory makes a real one's.
    await fs.mkdir(path.join(shell.root, 'lean'));
    const lean = await writeTemplate(path.join(shell.root, 'lean'), { vmType: 'busy', cpus: 1, memory: '64MiB', disk: '1GiB' });
    await shell.engine.create('lean', { template: lean });
    await shell.engine.start('lean');
    const { page } = shell;
    await page.getByRole('link', { name: 'lean', exact: true }).click();
    await shows(page.getByTestId('stats-memory-value'), /MiB/);
    await page.waitForFunction(() => {
      const line = (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="stats-memory"] polyline');
      return (line?.getAttribute('points') ?? '').split(' ').filter(Boolean).length >= 3;
    }, undefined, { timeout: 15_000 });
    const heights = (await page.getByTestId('stats-memory').locator('polyline').getAttribute('points') ?? '')
      .split(' ').filter(Boolean).map((point) => Number(point.split(',')[1]));
    // y runs from 0 (the top edge, where half the line's stroke is cut off) to 100.
    assert.ok(heights.every((y) => y > 5 && y <= 100), `the line stays inside the graph, below its top edge: ${heights.join(' ')}`);
    const scale = await page.getByTestId('stats-memory').locator('.stats-scale').innerText();
    const top = /^0–(\d+(?:\.\d+)?) MiB; the VM’s process, the guest’s 64 MiB included$/.exec(scale);
    assert.ok(top, `the scale says its top and what it shows: ${scale}`);
    const figure = Number(/^([\d.]+) MiB$/.exec(await page.getByTestId('stats-memory-value').innerText())?.[1]);
    assert.ok(Number(top[1]) > figure && figure > 64, `the figure (${figure} MiB) is over the guest's 64 MiB and under the top (${top[1]} MiB)`);
    await screenshotsOf(page, 'stats-memory-over-guest', 'section.stats');
    await shell.engine.stop('lean');
    await page.getByRole('button', { name: '← All instances' }).click();
  });

  it('has no Activity section for a driver without stats', async () => {
    const { page } = shell;
    await page.getByRole('link', { name: 'legacy', exact: true }).click();
    await shows(page.getByRole('heading', { name: 'legacy' }), 'legacy');
    assert.equal(await section(page).count(), 0);
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});

const textOf = (page: Page, testId: string): Promise<string> => page.getByTestId(testId).evaluate((element) => element.textContent ?? '');

/** Waits until the figure `testId` shows another text than now (the next sample). */
async function nextFigure(page: Page, testId: string): Promise<void> {
  const before = await textOf(page, testId);
  await page.waitForFunction(([id, text]) => {
    const element = (globalThis as unknown as PageGlobals).document.querySelector(`[data-testid="${id}"]`) as unknown as { textContent: string } | null;
    return element !== null && element.textContent !== text;
  }, [testId, before] as const, { timeout: 15_000 });
}

const section = (page: Page) => page.getByRole('region', { name: /Activity/ });
