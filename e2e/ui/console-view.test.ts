// The serial console's xterm follows the window: a smaller or bigger viewport changes its
// columns (on this side only: a serial line cannot carry a window size to the guest), and its
// colours follow a change of the system theme while it is open. The console fixture driver
// stands in for a guest: a real /bin/sh behind a serial console.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import { writeTemplate } from '../support/temp.ts';
import { consoleDriver, openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

type Dataset = { dataset: Record<string, string | undefined> };
type Styled = { getComputedStyle(element: unknown): { color: string } };

/** Waits until the terminal's column count is above (or below) `than`, and returns it. */
async function colsPast(terminal: Locator, compare: 'above' | 'below', than: number): Promise<number> {
  const handle = await terminal.page().waitForFunction(
    ([element, direction, bound]) => {
      const cols = Number((element as unknown as Dataset).dataset.cols ?? 0);
      return (direction === 'above' ? cols > bound : cols > 0 && cols < bound) ? cols : false;
    },
    [await terminal.elementHandle(), compare, than] as const,
    { timeout: 10_000 },
  );
  return Number(await handle.jsonValue());
}

/** Waits until the element's computed text colour is `colour`. */
async function colourBecomes(element: Locator, colour: string): Promise<void> {
  await element.page().waitForFunction(
    ([node, expected]) => (globalThis as unknown as Styled).getComputedStyle(node).color === expected,
    [await element.elementHandle(), colour] as const,
    { timeout: 5000 },
  );
}

describe('console view', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell({ drivers: [consoleDriver], context: { viewport: { width: 1100, height: 800 }, colorScheme: 'light' } });
    const template = await writeTemplate(shell.root, { vmType: 'console-fixture', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('c1', { template });
    await shell.engine.start('c1');
  });

  after(async () => {
    await shell?.close();
  });

  it('changes its columns when the window gets smaller and bigger', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.getByRole('link', { name: 'c1' }).click();
    await page.getByRole('tab', { name: 'Console' }).click();
    const terminal = page.getByTestId('terminal');
    await shows(page.getByRole('status'), 'Serial console attached');
    const wide = await colsPast(terminal, 'above', 0);
    await page.setViewportSize({ width: 600, height: 700 });
    const narrow = await colsPast(terminal, 'below', wide);
    await page.setViewportSize({ width: 1000, height: 800 });
    const wider = await colsPast(terminal, 'above', narrow);
    assert.ok(narrow < wide && wider > narrow, `cols ${wide} → ${narrow} → ${wider}`);
  });

  it('follows a change of the system colour scheme while open', async () => {
    const { page } = shell;
    const rows = page.getByTestId('terminal').locator('.xterm-rows');
    // xterm paints the text in its theme's foreground.
    await colourBecomes(rows, 'rgb(29, 29, 29)');
    await page.emulateMedia({ colorScheme: 'dark' });
    await colourBecomes(rows, 'rgb(230, 230, 230)');
    await page.emulateMedia({ colorScheme: 'light' });
    await colourBecomes(rows, 'rgb(29, 29, 29)');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
