// Keyboard only: open the create dialog, fill it and submit, start the new instance from its
// row and back out of a delete from its menu, with Tab, Enter, Space and typing (a <select> is
// worked with its own keys, End here); then the same menu once more with a quick mouse. Focus
// must go where a keyboard user expects: into the dialog when it opens, back to what opened it
// when it closes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { writeTemplate } from '../support/temp.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

type Focus = { document: { activeElement: unknown } };
/** The little of the page's DOM the hover-then-click check uses (this file is type-checked without the DOM's types). */
type PointerGlobals = {
  MutationObserver: new (changed: () => void) => { observe(target: unknown, options: { attributes: boolean; attributeFilter: string[] }): void; disconnect(): void };
  PointerEvent: new (type: string, init: { bubbles: boolean }) => unknown;
};

function focused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === (globalThis as unknown as Focus).document.activeElement);
}

/** Presses Tab until `target` has the focus (at most `limit` times); fails naming what had it. */
async function tabTo(page: Page, target: Locator, limit = 40): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await focused(target)) return;
    await page.keyboard.press('Tab');
  }
  const where = await page.evaluate('document.activeElement?.outerHTML.slice(0, 120)');
  throw new Error(`Tab never reached the target; the focus is on ${String(where)}`);
}

describe('keyboard only', () => {
  let shell: ScriptedShell;
  let template: string;

  before(async () => {
    shell = await openScriptedShell();
    template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
  });

  after(async () => {
    await shell?.close();
  });

  it('creates an instance: focus goes into the dialog and back to "New instance…"', { timeout: 60_000 }, async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await shows(page.locator('main'), 'No instances yet');
    const opener = page.getByRole('button', { name: 'New instance…' });
    await tabTo(page, opener);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.waitFor();
    assert.ok(await focused(dialog.getByLabel('Name')), 'the name field has the focus when the dialog opens');
    await page.keyboard.type('kb1');
    // The gallery is one radio group: Tab enters it at the chosen card, arrows move between cards.
    const picked = dialog.getByRole('radio', { checked: true });
    await picked.waitFor(); // the catalog has answered
    await tabTo(page, picked, 5);
    await page.keyboard.press('ArrowUp'); // from the first card round to the last: a lima.yaml file of my own
    assert.equal(await dialog.getByRole('radio', { name: 'From file…' }).isChecked(), true);
    const file = dialog.getByLabel('Template file (lima.yaml path)');
    await file.waitFor();
    await tabTo(page, file, 3);
    await page.keyboard.type(template);
    await page.keyboard.press('Enter'); // submits the form
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`the dialog stayed open showing: ${await dialog.innerText()}`, { cause: error });
    });
    await shows(page.getByTestId('status-kb1'), 'Stopped');
    assert.ok(await focused(opener), 'the focus is back on "New instance…"');
  });

  it('starts it from its row with Space; the focus stays on the button, now Stop', async () => {
    const { page } = shell;
    const start = page.getByRole('button', { name: 'Start kb1' });
    await tabTo(page, start);
    await page.keyboard.press('Space');
    await shows(page.getByTestId('status-kb1'), 'Running');
    // The row's one button turned from Start into Stop under the focus: no Tab needed.
    assert.ok(await focused(page.getByRole('button', { name: 'Stop kb1', exact: true })), 'the focus is on Stop kb1');
  });

  it('opens the delete confirmation from the row menu and returns the focus to the menu button when cancelled', async () => {
    const { page } = shell;
    const more = page.getByRole('button', { name: 'More actions for kb1' });
    await tabTo(page, more, 3);
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'More actions for kb1' });
    await menu.waitFor();
    await page.keyboard.press('End'); // Delete… is the last item
    assert.ok(await focused(menu.getByRole('menuitem', { name: 'Delete…' })), 'End moves to Delete…');
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Delete kb1?' });
    await confirm.waitFor();
    assert.ok(await focused(confirm.getByRole('button', { name: 'Cancel' })), 'Cancel, the safe choice, has the focus');
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'hidden' });
    assert.ok(await focused(more), 'the focus is back on the menu button');
    assert.equal(await page.locator('tr[data-instance="kb1"]').count(), 1, 'nothing was deleted');
  });

  it('gives the focus back to the menu button after a dialog opened by a click that lands as the pointer reaches its item', async () => {
    const { page } = shell;
    const more = page.getByRole('button', { name: 'More actions for kb1' });
    await more.click();
    const item = page.getByRole('menu', { name: 'More actions for kb1' }).getByRole('menuitem', { name: 'Delete…' });
    // The pointer moves onto Delete… and the click follows as soon as the hover is drawn (the
    // item takes tabindex 0), before the page's deferred work: a quick hand on a busy machine.
    await item.evaluate((element) => new Promise<void>((resolve) => {
      const { MutationObserver, PointerEvent } = globalThis as unknown as PointerGlobals;
      const drawn = new MutationObserver(() => {
        drawn.disconnect();
        (element as unknown as { click(): void }).click();
        resolve();
      });
      drawn.observe(element, { attributes: true, attributeFilter: ['tabindex'] });
      element.dispatchEvent(new PointerEvent('pointermove', { bubbles: true }) as Parameters<typeof element.dispatchEvent>[0]);
    }));
    const confirm = page.getByRole('dialog', { name: 'Delete kb1?' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    assert.ok(await focused(more), 'the focus is back on the menu button');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
