// The instance page's tabs, as a user meets them: Overview first, the console one click away
// and wholly in the first screen, arrow keys moving between tabs, the tab in the address (a
// reload and Back keep it), the console attached only once opened and then still attached, with
// what it printed, after a trip to other tabs. The console fixture driver stands in for a guest:
// a real /bin/sh behind a serial console.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { writeTemplate } from '../support/temp.ts';
import { screens } from './screens.ts';
import { allViewsDriver, consoleDriver, openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

const selectedTab = (page: Page) => page.locator('[aria-label="Instance views"] [role="tab"][aria-selected="true"]');
const hash = (page: Page): string => new URL(page.url()).hash;

/** Whether the element's whole box lies inside the viewport, without scrolling. */
async function wholeInFirstScreen(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box && viewport, `${selector} has a box`);
  return box.y >= 0 && box.y + box.height <= viewport.height && box.height > 100;
}

describe('instance page tabs', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell({ drivers: [consoleDriver, allViewsDriver], context: { viewport: { width: 1280, height: 800 }, colorScheme: 'light' } });
    const template = await writeTemplate(shell.root, { vmType: 'console-fixture', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('t1', { template });
    await shell.engine.start('t1');
    const allViews = await writeTemplate(shell.root, { vmType: 'all-views', cpus: 1, memory: '256MiB', disk: '1GiB', video: { display: 'vnc' } });
    await shell.engine.create('six', { template: allViews });
    // The scripted driver has no serial console: its pages offer no Console tab.
    const plain = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('plain', { template: plain });
  });

  after(async () => {
    await shell?.close();
  });

  it('opens on Overview, with the ports there and the tab named in no address', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.getByRole('link', { name: 't1' }).click();
    await shows(selectedTab(page), 'Overview');
    assert.equal(hash(page), '#/instances/t1');
    await page.getByRole('region', { name: 'Ports' }).waitFor();
    // The hidden console attaches only once opened: nothing streams a boot no one watches
    // (the terminal would be in the same render as the Ports region).
    assert.equal(await page.getByTestId('terminal').count(), 0, 'no console until the Console tab is opened');
    await screens(page, 'instance-overview');
  });

  it('shows the console whole in the first screen, one click away, and puts the tab in the address', async () => {
    const { page } = shell;
    await page.getByRole('tab', { name: 'Console' }).click();
    assert.equal(hash(page), '#/instances/t1/console');
    await shows(page.getByRole('tabpanel', { name: 'Console' }).getByRole('status'), 'Serial console attached');
    assert.equal(await page.getByRole('region', { name: 'Ports' }).count(), 0, 'Overview is not shown beside it');
    assert.ok(await wholeInFirstScreen(page, '[data-testid="terminal"]'), 'the console fits the first screen at 1280x800');
    await page.setViewportSize({ width: 1100, height: 700 });
    assert.ok(await wholeInFirstScreen(page, '[data-testid="terminal"]'), 'and at 1100x700');
    await page.setViewportSize({ width: 1280, height: 800 });
    const terminal = page.getByTestId('terminal');
    await terminal.click();
    await page.keyboard.type('echo kept-$((6*7))\n');
    await shows(terminal.locator('.xterm-rows'), 'kept-42');
    await screens(page, 'instance-console');
  });

  it('moves between tabs with the arrow keys, Home and End, selecting as it goes', async () => {
    const { page } = shell;
    await page.getByRole('tab', { name: 'Console' }).focus();
    await page.keyboard.press('ArrowRight');
    await shows(selectedTab(page), 'Terminal');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Terminal', 'focus follows');
    assert.equal(hash(page), '#/instances/t1/terminal');
    await page.keyboard.press('End');
    await shows(selectedTab(page), 'Logs');
    await page.keyboard.press('ArrowRight');
    await shows(selectedTab(page), 'Overview'); // wraps around
    await page.keyboard.press('ArrowLeft');
    await shows(selectedTab(page), 'Logs');
    await page.keyboard.press('Home');
    await shows(selectedTab(page), 'Overview');
    // Only the selected tab is in the Tab order.
    const tabbable = await page.locator('[aria-label="Instance views"] [role="tab"][tabindex="0"]').allTextContents();
    assert.deepEqual(tabbable, ['Overview']);
  });

  it('goes Back through the tabs, and a reload keeps the tab', async () => {
    const { page } = shell;
    await page.goBack(); // Home came from Logs
    await shows(selectedTab(page), 'Logs');
    assert.equal(hash(page), '#/instances/t1/logs');
    await page.goBack();
    await shows(selectedTab(page), 'Overview');
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.reload();
    await shows(selectedTab(page), 'Logs');
    await page.getByRole('tabpanel', { name: 'Logs' }).waitFor();
  });

  it('keeps the console attached, with its output, across tab switches', async () => {
    const { page } = shell;
    await page.getByRole('tab', { name: 'Console' }).click();
    const terminal = page.getByTestId('terminal');
    await terminal.click();
    await page.keyboard.type('echo before-$((2*3))\n');
    await shows(terminal.locator('.xterm-rows'), 'before-6');
    await page.evaluate('document.querySelector("[data-testid=terminal] .xterm").dataset.mark = "second"');
    for (const tab of ['Overview', 'Terminal', 'Logs', 'Console']) await page.getByRole('tab', { name: tab }).click();
    assert.equal(await page.evaluate('document.querySelector("[data-testid=terminal] .xterm")?.dataset.mark'), 'second', 'the same xterm, never reopened');
    await shows(terminal.locator('.xterm-rows'), 'before-6');
    await terminal.click();
    await page.keyboard.type('echo after-$((3*3))\n');
    await shows(terminal.locator('.xterm-rows'), 'after-9');
  });

  it('shows Overview for an address naming a tab this instance does not have', async () => {
    const { page } = shell;
    await page.goto(`${shell.server.url}#/instances/t1/display`);
    await shows(selectedTab(page), 'Overview');
    assert.equal(await page.getByRole('tab', { name: 'Display' }).count(), 0, 'the console fixture has no screen');
    assert.equal(await page.getByRole('tab', { name: 'Snapshots' }).count(), 0, 'nor snapshots');
  });

  it('fits all six tabs in a phone\'s width: every tab in view, nothing to scroll sideways', async () => {
    const { page } = shell;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${shell.server.url}#/instances/six`);
    await shows(selectedTab(page), 'Overview');
    const tabs = page.locator('[aria-label="Instance views"] [role="tab"]');
    assert.deepEqual(await tabs.allTextContents(), ['Overview', 'Console', 'Terminal', 'Display', 'Snapshots', 'Logs']);
    const list = page.getByRole('tablist', { name: 'Instance views' });
    const hidden = await list.evaluate((element) => {
      const box = element as unknown as { scrollWidth: number; clientWidth: number };
      return box.scrollWidth - box.clientWidth;
    });
    assert.ok(hidden <= 0, `the tab row hides ${hidden} px to scroll sideways to`);
    for (const tab of await tabs.all()) {
      const box = await tab.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${await tab.textContent()} lies outside the 390 px screen (${JSON.stringify(box)})`);
      assert.ok(box.height >= 32, `${await tab.textContent()} is ${box.height} px tall, too small to tap`);
    }
    // The keys still go round the row in order.
    await tabs.filter({ hasText: 'Overview' }).focus();
    for (const next of ['Console', 'Terminal', 'Display', 'Snapshots', 'Logs', 'Overview']) {
      await page.keyboard.press('ArrowRight');
      await shows(selectedTab(page), next);
    }
    await screens(page, 'instance-six-tabs');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });

  it('offers no Console tab for a driver without a console, even when the address names it', async () => {
    const { page } = shell;
    await page.goto(`${shell.server.url}#/instances/plain/console`);
    // The driver's capabilities have come once the Overview says why there is no display.
    await shows(page.getByTestId('no-display'), 'Reach it through the Terminal tab once SSH is up.');
    const tabs = await page.locator('[aria-label="Instance views"] [role="tab"]').allTextContents();
    assert.deepEqual(tabs, ['Overview', 'Terminal', 'Logs']);
    await shows(selectedTab(page), 'Overview');
    assert.equal(await page.getByRole('button', { name: 'Reattach' }).count(), 0);
  });
});
