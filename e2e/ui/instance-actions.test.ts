// Every instance operation where users look, on real QEMU tiny guests through the web shell in
// Chromium: a row shows the action that applies now and a menu (keyboard: arrows, Escape) with
// the rest; Clone…, Rename… and Edit… in dialogs that check their fields; the same refused with
// the reason while the VM runs; the badge says "Starting (booting)" while the guest boots, not
// Running; no Display tab for a guest without a screen; Restart; Force stop and Delete confirm.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { seriousViolations } from './browser.ts';
import { openQemuShell, screenshots } from './qemu-shell.ts';
import type { QemuShell } from './qemu-shell.ts';
import { shows } from './scripted-shell.ts';

const bootTimeout = 90_000;

type Focus = { document: { activeElement: unknown } };

function focused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === (globalThis as unknown as Focus).document.activeElement);
}

/** Opens the row's (or page's) "More actions" menu with the mouse and resolves with the menu. */
async function openMenu(page: Page, name: string): Promise<Locator> {
  await page.getByRole('button', { name: `More actions for ${name}` }).click();
  const menu = page.getByRole('menu', { name: `More actions for ${name}` });
  await menu.waitFor();
  return menu;
}

describe('instance actions in the UI (QEMU)', () => {
  let shell: QemuShell;
  let page: Page;

  before(async () => {
    shell = await openQemuShell();
    page = shell.page;
    await shell.engine.create('alpha', { template: shell.template });
  });

  after(async () => {
    await shell?.close();
  });

  it('shows a stopped row as its name, status, Start and a menu; the menu works with the keyboard', async () => {
    await page.goto(shell.server.url);
    const row = page.locator('tr[data-instance="alpha"]');
    await shows(row.getByTestId('status-alpha'), 'Stopped');
    assert.deepEqual(await row.getByRole('button').allInnerTexts(), ['Start', '⋯'], 'one action button and the menu button');
    const more = row.getByRole('button', { name: 'More actions for alpha' });
    assert.equal(await more.getAttribute('aria-haspopup'), 'menu');
    await more.focus();
    await page.keyboard.press('ArrowDown');
    const menu = page.getByRole('menu', { name: 'More actions for alpha' });
    await menu.waitFor();
    assert.equal(await more.getAttribute('aria-expanded'), 'true');
    const items = menu.getByRole('menuitem');
    assert.deepEqual(await items.evaluateAll((els) => els.map((e) => e.firstElementChild?.textContent)), ['Restart', 'Clone…', 'Rename…', 'Edit…', 'Delete…']);
    assert.ok(await focused(items.first()), 'the first item has the focus');
    await page.keyboard.press('ArrowDown');
    assert.ok(await focused(menu.getByRole('menuitem', { name: 'Clone…' })), 'ArrowDown moves to Clone…');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp'); // wraps to the last
    assert.ok(await focused(menu.getByRole('menuitem', { name: 'Delete…' })), 'ArrowUp from the first wraps to Delete…');
    // Restart is listed but off while stopped, with the reason beside it.
    const restart = menu.getByRole('menuitem', { name: 'Restart' });
    assert.equal(await restart.getAttribute('aria-disabled'), 'true');
    await shows(restart, 'it is stopped; use Start');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshots(page, 'actions-row-menu');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    assert.ok(await focused(more), 'Escape returns the focus to the menu button');
  });

  it('clones from the menu: a bad name is refused on the field, a good one makes a stopped copy', { timeout: 60_000 }, async () => {
    await (await openMenu(page, 'alpha')).getByRole('menuitem', { name: 'Clone…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clone alpha' });
    const field = dialog.getByLabel('New name');
    assert.equal(await field.inputValue(), 'alpha-copy', 'a name is offered');
    await field.fill('bad name!');
    await shows(dialog.getByRole('alert'), 'Invalid name: use letters, digits');
    await field.fill('alpha');
    await shows(dialog.getByRole('alert'), 'it is already called alpha');
    await field.fill('gamma');
    await screenshots(page, 'actions-clone-dialog');
    await dialog.getByRole('button', { name: 'Clone' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await shows(page.getByRole('status'), 'Cloned alpha as gamma.');
    await shows(page.getByTestId('status-gamma'), 'Stopped');
    assert.deepEqual((await shell.engine.list()).map((i) => i.name).sort(), ['alpha', 'gamma']);
  });

  it('refuses a clone under a name that is taken, in the dialog, which keeps what was typed', async () => {
    await (await openMenu(page, 'gamma')).getByRole('menuitem', { name: 'Clone…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clone gamma' });
    await dialog.getByLabel('New name').fill('alpha');
    await dialog.getByRole('button', { name: 'Clone' }).click();
    await shows(dialog.getByRole('alert'), /alpha.*(exists|taken|already)/i);
    assert.equal(await dialog.getByLabel('New name').inputValue(), 'alpha');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('renames from the menu', async () => {
    await (await openMenu(page, 'gamma')).getByRole('menuitem', { name: 'Rename…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rename gamma' });
    await dialog.getByLabel('New name').fill('delta');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await shows(page.getByTestId('status-delta'), 'Stopped');
    await page.locator('tr[data-instance="gamma"]').waitFor({ state: 'detached' });
    assert.deepEqual((await shell.engine.list()).map((i) => i.name).sort(), ['alpha', 'delta']);
  });

  it('edits CPUs, memory and disk, saying on the field what is wrong before sending', { timeout: 60_000 }, async () => {
    await (await openMenu(page, 'delta')).getByRole('menuitem', { name: 'Edit…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit delta' });
    assert.equal(await dialog.getByLabel('CPUs').inputValue(), '1');
    assert.equal(await dialog.getByLabel('Memory').inputValue(), '256MiB');
    assert.equal(await dialog.getByLabel('Disk').inputValue(), '1GiB');
    const save = dialog.getByRole('button', { name: 'Save' });
    assert.equal(await save.isDisabled(), true, 'nothing changed yet');
    await dialog.getByLabel('Memory').fill('lots');
    await shows(dialog, 'Enter a size such as 512MiB or 4GiB.');
    await dialog.getByLabel('Disk').fill('512MiB');
    await shows(dialog, 'The disk can grow but not shrink: it is 1GiB now.');
    assert.equal(await save.isDisabled(), true, 'not with a field in error');
    assert.equal(await dialog.getByLabel('Disk').getAttribute('aria-invalid'), 'true');
    await screenshots(page, 'actions-edit-errors');
    await dialog.getByLabel('CPUs').fill('2');
    await dialog.getByLabel('Memory').fill('512MiB');
    await dialog.getByLabel('Disk').fill('2GiB');
    await save.click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    const row = page.locator('tr[data-instance="delta"]');
    await shows(row, '512 MiB');
    await shows(row, '2 GiB');
    const edited = await shell.engine.inspect('delta');
    assert.deepEqual([edited.cpus, edited.memoryBytes, edited.diskBytes], [2, 512 * 1024 ** 2, 2 * 1024 ** 3]);
  });

  it('warns on the CPUs field, as typed and after saving, when asking for more CPUs than this host has', { timeout: 60_000 }, async () => {
    const tooMany = os.availableParallelism() + 1;
    await (await openMenu(page, 'delta')).getByRole('menuitem', { name: 'Edit…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit delta' });
    await dialog.getByLabel('CPUs').fill(String(tooMany));
    const warning = dialog.getByTestId('edit-cpus-warning');
    await shows(warning, `This computer has ${tooMany - 1} CPUs; the guest’s ${tooMany} will share them and run slower.`);
    await dialog.getByRole('button', { name: 'Save' }).click();
    // Saved, and the engine's own warning replaces the typed one on the field; the dialog waits to be read.
    await shows(dialog.getByRole('status'), 'Saved, with the warning above.', 30_000);
    await shows(warning, `${tooMany} CPUs is more than this host's ${tooMany - 1} cores; the guest's CPUs will share them.`);
    assert.equal((await shell.engine.inspect('delta')).cpus, tooMany);
    await screenshots(page, 'actions-edit-warning');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await shell.engine.edit('delta', { cpus: 2 });
  });

  it('starts alpha: the badge says Starting (booting) while the guest boots, not Running', { timeout: bootTimeout + 30_000 }, async () => {
    await page.getByRole('button', { name: 'Start alpha' }).click();
    const badge = page.getByTestId('status-alpha');
    await page.locator('[data-testid="status-alpha"][data-state="Running"]').waitFor({ timeout: bootTimeout });
    // The tiny guest has no sshd: its guest never reports ready, as `corral list` shows it.
    assert.equal(await badge.innerText(), 'Starting (booting)');
    const row = page.locator('tr[data-instance="alpha"]');
    assert.deepEqual(await row.getByRole('button').allInnerTexts(), ['Stop', '⋯']);
    await screenshots(page, 'actions-list-running');
  });

  it('refuses clone, rename and edit of the running VM with the reason, opening nothing', async () => {
    const menu = await openMenu(page, 'alpha');
    for (const [label, doing] of [['Clone…', 'cloning'], ['Rename…', 'renaming'], ['Edit…', 'editing']] as const) {
      const item = menu.getByRole('menuitem', { name: label });
      assert.equal(await item.getAttribute('aria-disabled'), 'true', `${label} is off`);
      // In the badge's word: its guest still boots, so the row reads Starting, and so does the reason.
      await shows(item, `it is starting; stop it before ${doing} it`);
    }
    await menu.getByRole('menuitem', { name: 'Rename…' }).click({ force: true }); // Playwright waits for an enabled item otherwise
    assert.equal(await menu.isVisible(), true, 'a refused item keeps the menu open');
    assert.equal(await page.locator('dialog[open]').count(), 0, 'and opens no dialog');
    assert.equal(await menu.getByRole('menuitem', { name: 'Restart' }).getAttribute('aria-disabled'), 'false');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
  });

  it('shows no Display tab for a guest without a screen, and says why where the display would be', async () => {
    await page.getByRole('link', { name: 'alpha' }).click();
    await page.getByRole('heading', { name: 'alpha', level: 1 }).waitFor();
    assert.equal(await page.getByRole('tab', { name: 'Display' }).count(), 0);
    await shows(page.getByTestId('no-display'), 'No display: it was created without one');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshots(page, 'actions-instance-page-running');
  });

  it('restarts from the instance page: a new QEMU process, and it says so', { timeout: bootTimeout * 2 }, async () => {
    const pidFile = path.join(shell.engine.store.dir('alpha'), 'qemu.pid');
    const before = (await fs.readFile(pidFile, 'utf8')).trim();
    await page.getByRole('button', { name: 'Restart alpha' }).click();
    await shows(page.getByRole('status'), 'Restarted alpha.', bootTimeout * 2);
    await page.locator('[data-testid="status-alpha"][data-state="Running"]').waitFor();
    const after = (await fs.readFile(pidFile, 'utf8')).trim();
    assert.notEqual(after, before, 'QEMU was started again');
  });

  it('asks before a force stop, saying it is like pulling the plug; Cancel keeps it running', { timeout: bootTimeout }, async () => {
    await (await openMenu(page, 'alpha')).getByRole('menuitem', { name: 'Force stop' }).click();
    const confirm = page.getByRole('dialog', { name: 'Force stop alpha?' });
    await shows(confirm, 'like pulling the power plug');
    assert.ok(await focused(confirm.getByRole('button', { name: 'Cancel' })), 'Cancel, the safe choice, has the focus');
    assert.deepEqual(await seriousViolations(page), []);
    await screenshots(page, 'actions-force-stop-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal((await shell.engine.inspect('alpha')).state, 'Running');
    await (await openMenu(page, 'alpha')).getByRole('menuitem', { name: 'Force stop' }).click();
    await confirm.getByRole('button', { name: 'Force stop alpha' }).click();
    await shows(page.getByTestId('status-alpha'), 'Stopped', bootTimeout);
  });

  it('asks before a delete from the menu, and deletes on confirmation', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: '← All instances' }).click();
    await (await openMenu(page, 'delta')).getByRole('menuitem', { name: 'Delete…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete delta?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('tr[data-instance="delta"]').count(), 1, 'nothing deleted on Cancel');
    await (await openMenu(page, 'delta')).getByRole('menuitem', { name: 'Delete…' }).click();
    await confirm.getByRole('button', { name: 'Delete delta' }).click();
    await page.locator('tr[data-instance="delta"]').waitFor({ state: 'detached', timeout: 30_000 });
    assert.deepEqual((await shell.engine.list()).map((i) => i.name), ['alpha']);
  });

  it('logged no page errors but the refused clone\'s answer', () => {
    // Chromium logs every 4xx answer; the clone under a taken name was refused with 409 on purpose.
    assert.deepEqual(shell.pageErrors, ['Failed to load resource: the server responded with a status of 409 (Conflict)']);
  });
});
