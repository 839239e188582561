// Dark mode follows the system: with Chromium told the user prefers dark, the page is dark,
// and the list and the create dialog pass axe (contrast included) in dark colours too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeTemplate } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

type Styled = { getComputedStyle(element: unknown): { backgroundColor: string } };

/** Relative luminance (WCAG) of an `rgb(r, g, b)` colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

describe('dark theme', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell({ context: { colorScheme: 'dark' } });
    const template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('dark1', { template });
    await shell.engine.create('fail-dark', { template });
    await shell.engine.start('dark1');
  });

  after(async () => {
    await shell?.close();
  });

  it('paints the page dark and passes axe on the list, with an error shown', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await shows(page.getByTestId('status-dark1'), 'Running');
    const background = await page.locator('body').evaluate((body) => (globalThis as unknown as Styled).getComputedStyle(body).backgroundColor);
    assert.ok(luminance(background) < 0.05, `the body background is dark: ${background}`);
    // A failed start puts the error colours on screen too, in the notice and the row.
    await page.getByRole('button', { name: 'Start fail-dark' }).click();
    await shows(page.getByRole('alert'), 'the hypervisor refused');
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('passes axe on the create dialog', async () => {
    const { page } = shell;
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.getByLabel('Name').fill('bad name!');
    await shows(dialog, 'Invalid name');
    const background = await dialog.evaluate((element) => (globalThis as unknown as Styled).getComputedStyle(element).backgroundColor);
    assert.ok(luminance(background) < 0.05, `the dialog is dark: ${background}`);
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('logged no page errors but the refused start', () => {
    // Chromium logs every HTTP error answer; the engine answers the failed start with one.
    assert.deepEqual(shell.pageErrors.filter((e) => !/^Failed to load resource: .* 5\d\d/.test(e)), []);
  });
});
