// The Logs tab: Follow shows lines as they are written and keeps the log scrolled to its end;
// a search marks every match across the logs, counts them, and Next / Previous (Enter /
// Shift+Enter) move the current one, scrolled into view; Copy puts a whole log on the
// clipboard. The instance's serial.log is written by the test as a VM would write it.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { repoRoot, writeTemplate } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

const resultsDir = path.join(repoRoot, 'test-results');
const lines = Array.from({ length: 120 }, (_, i) => (i % 40 === 7 ? `boot: ERROR disk ${i} not ready` : `boot: step ${i} ok`));

describe('the Logs tab', () => {
  let shell: ScriptedShell;
  let serialLog: string;
  let page: Page;

  before(async () => {
    shell = await openScriptedShell({ context: { viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] } });
    page = shell.page;
    const template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    const { instance } = await shell.engine.create('logged', { template });
    serialLog = path.join(instance.dir, 'serial.log');
    await fs.writeFile(serialLog, `${lines.join('\n')}\n`);
  });

  after(async () => {
    await shell?.close();
  });

  const log = () => page.getByRole('region', { name: 'Log serial.log' }).locator('pre');

  it('finds every match, steps through them both ways, and keeps the current one in view', async () => {
    await page.goto(`${shell.server.url}`);
    await page.getByRole('link', { name: 'logged', exact: true }).click();
    await page.getByRole('tab', { name: 'Logs' }).click();
    await shows(log(), 'boot: step 119 ok');
    const search = page.getByRole('searchbox', { name: 'Search the logs' });
    await search.fill('error');
    await shows(page.getByTestId('logs-count'), '1 of 3');
    assert.equal(await log().locator('mark').count(), 3, 'every match marked, case-insensitively');
    await page.getByRole('button', { name: 'Next' }).click();
    await shows(page.getByTestId('logs-count'), '2 of 3');
    assert.equal(await log().locator('mark.current').innerText(), 'ERROR');
    await search.press('Enter');
    await shows(page.getByTestId('logs-count'), '3 of 3');
    // The third match (line 87) is far below the log's first screen: it was scrolled to.
    // The page scrolls after it paints the new count: wait for it (it fails the test when it never comes).
    await page.waitForFunction((pre) => {
      const rect = (e: unknown) => (e as { getBoundingClientRect(): { top: number; bottom: number } }).getBoundingClientRect();
      const mark = (pre as unknown as { querySelector(s: string): unknown }).querySelector('mark.current');
      return mark !== null && rect(mark).top >= rect(pre).top && rect(mark).bottom <= rect(pre).bottom;
    }, await log().elementHandle(), { timeout: 5000 });
    await search.press('Enter');
    await shows(page.getByTestId('logs-count'), '1 of 3', 5000);
    await search.press('Shift+Enter');
    await shows(page.getByTestId('logs-count'), '3 of 3');
    await search.fill('no such words');
    await shows(page.getByTestId('logs-count'), 'No matches');
    assert.ok(await page.getByRole('button', { name: 'Next' }).isDisabled());
    await search.fill('error');
    await fs.mkdir(resultsDir, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [label, size] of [['1280', { width: 1280, height: 800 }], ['390', { width: 390, height: 844 }]] as const) {
        await page.setViewportSize(size);
        await page.screenshot({ path: path.join(resultsDir, `logs-${label}-${scheme}.png`), fullPage: true });
        assert.deepEqual(await seriousViolations(page), [], `axe, logs ${label} px ${scheme}`);
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await search.fill('');
  });

  it('copies a whole log to the clipboard', async () => {
    await page.getByRole('button', { name: 'Copy serial.log' }).click();
    await shows(page.getByRole('region', { name: 'Log serial.log' }), 'Copied');
    const copied = await page.evaluate('navigator.clipboard.readText()') as string;
    assert.equal(copied, `${lines.join('\n')}\n`);
  });

  it('follows the log: a new line shows by itself, and the log stays scrolled to its end', async () => {
    await page.getByRole('checkbox', { name: 'Follow' }).check();
    await fs.appendFile(serialLog, 'boot: a line written just now\n');
    await shows(log(), 'boot: a line written just now', 10_000);
    await page.waitForFunction((pre) => {
      const p = pre as unknown as { scrollTop: number; scrollHeight: number; clientHeight: number };
      return p.scrollHeight - p.scrollTop - p.clientHeight < 2;
    }, await log().elementHandle(), { timeout: 5000 });
    await page.getByRole('checkbox', { name: 'Follow' }).uncheck();
    await fs.appendFile(serialLog, 'boot: written after following stopped\n');
    assert.equal(await log().getByText('written after following stopped').count(), 0, 'not following: the log stays as it was');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
