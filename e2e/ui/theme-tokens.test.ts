// The colour theme from one set of tokens: Settings' Light and Dark paint the page exactly as the
// system's light and dark do (the same pixels), whatever the system prefers, and dark differs
// from light. Screenshots of each, at 1280x800 and 390 px, go to test-results/.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { writeTemplate } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { resultsDir } from './screens.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

type Scheme = 'light' | 'dark';
const widths = [[1280, 800], [390, 844]] as const;

/** Picks a theme in Settings, as a user does, and comes back to the instance list. */
async function pickTheme(page: Page, label: 'System' | 'Light' | 'Dark'): Promise<void> {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('radiogroup', { name: 'Theme' }).getByLabel(label).check();
  await page.getByRole('link', { name: 'Instances' }).click();
  await shows(page.getByTestId('status-tok1'), 'Stopped');
}

/** The list's pixels at each width with the system preferring `system`, saved as `name`. */
async function shots(page: Page, name: string, system: Scheme): Promise<Buffer[]> {
  await page.emulateMedia({ colorScheme: system });
  const pictures: Buffer[] = [];
  for (const [width, height] of widths) {
    await page.setViewportSize({ width, height });
    const file = path.join(resultsDir, `theme-${name}-${width}.png`);
    pictures.push(await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' }));
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return pictures;
}

describe('theme tokens', () => {
  let shell: ScriptedShell;

  before(async () => {
    await fs.mkdir(resultsDir, { recursive: true });
    shell = await openScriptedShell({ context: { viewport: { width: 1280, height: 800 } } });
    const template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('tok1', { template });
    await shell.page.goto(shell.server.url);
    await shows(shell.page.getByTestId('status-tok1'), 'Stopped');
  });

  after(async () => {
    await shell?.close();
  });

  it('paints Settings’ Light and Dark exactly as the system’s light and dark, and dark unlike light', async () => {
    const { page } = shell;
    await pickTheme(page, 'System');
    const systemLight = await shots(page, 'system-light', 'light');
    const systemDark = await shots(page, 'system-dark', 'dark');
    await pickTheme(page, 'Light');
    const pickedLight = await shots(page, 'picked-light', 'dark'); // against the system's dark
    await pickTheme(page, 'Dark');
    const pickedDark = await shots(page, 'picked-dark', 'light'); // against the system's light
    assert.deepEqual(await seriousViolations(page), []);
    for (const [i, [width]] of widths.entries()) {
      assert.ok(systemLight[i]?.equals(pickedLight[i] ?? Buffer.alloc(0)), `Light at ${width} px paints as the system's light`);
      assert.ok(systemDark[i]?.equals(pickedDark[i] ?? Buffer.alloc(0)), `Dark at ${width} px paints as the system's dark`);
      assert.ok(!systemLight[i]?.equals(systemDark[i] ?? Buffer.alloc(0)), `dark differs from light at ${width} px`);
    }
  });

  it('gives the tokens their dark values in dark, as the system’s dark does', async () => {
    const { page } = shell;
    // Settings' Dark is still picked, with the system light.
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(background, 'rgb(20, 23, 27)');
    await pickTheme(page, 'System');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(20, 23, 27)');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(255, 255, 255)');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
