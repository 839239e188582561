// An instance whose lima.yaml no longer reads (edited by hand, say): the list marks it Broken, its
// page says why in plain sight (not only in the badge's tooltip) and claims nothing its config
// would have said (such as "created without a display"), and Delete… removes it. Its file no
// longer names a driver, so none is claimed: no QEMU tabs or actions, only what works (Logs,
// Delete…), and sorted by a size it goes last. One whose driver reported the VM broken offers
// what recovers it (Force stop…) and Delete…; one whose driver is not installed, only Delete…;
// one whose driver cannot answer, only Delete…, saying so.
// A running instance whose lima.yaml breaks is told of on the desktop in the app's words.
// Scripted driver: no VM is needed to break a config.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { writeTemplate } from '../support/temp.ts';
import { recordNotifications, waitForNotification } from './notifications.ts';
import { screens } from './screens.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

type Styled = { getComputedStyle(element: unknown): { backgroundColor: string } };

/** The rows' instances, top to bottom. */
async function rowNames(page: Page): Promise<string[]> {
  return page.locator('tbody tr[data-instance]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance') ?? ''));
}

/** Opens the instance's ⋯ menu (in its row, or on its page) and reads each item: its label, and why it is off ('' when on). */
async function menuItems(page: Page, name: string): Promise<string[][]> {
  await page.getByRole('button', { name: `More actions for ${name}` }).click();
  const items = page.getByRole('menu', { name: `More actions for ${name}` }).getByRole('menuitem');
  await items.first().waitFor();
  return items.evaluateAll((elements) => elements.map((item) => [
    item.firstElementChild?.textContent ?? '',
    item.getAttribute('aria-disabled') === 'true' ? item.querySelector('.menu-reason')?.textContent ?? '(no reason)' : '',
  ]));
}

describe('a Broken instance', () => {
  let shell: ScriptedShell;
  let template: string;

  before(async () => {
    shell = await openScriptedShell();
    await shell.page.context().grantPermissions(['notifications'], { origin: new URL(shell.server.url).origin });
    await shell.page.addInitScript(recordNotifications);
    template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('mangled', { template });
    await fs.writeFile(path.join(shell.engine.store.dir('mangled'), 'lima.yaml'), 'cpus: lots\nimages: []\n');
    await fs.writeFile(path.join(shell.engine.store.dir('mangled'), 'serial.log'), 'the last words of mangled\n');
    // Good configs, broken otherwise: the driver reports the VM broken (as QEMU does a hung or
    // panicked one), or the driver the file names is not installed.
    await shell.engine.create('broken-vm', { template });
    await shell.engine.start('broken-vm');
    await shell.engine.create('orphan', { template });
    const orphanConfig = path.join(shell.engine.store.dir('orphan'), 'lima.yaml');
    await fs.writeFile(orphanConfig, (await fs.readFile(orphanConfig, 'utf8')).replace(/^vmType: scripted$/m, 'vmType: uninstalled'));
    // A hung VM (its scripted state file is the hypervisor's word), which a restart recovers;
    // and one whose driver lost its hypervisor (the scripted driver's "unreachable" knob).
    await shell.engine.create('hung', { template });
    await shell.engine.start('hung');
    await fs.writeFile(path.join(shell.engine.store.dir('hung'), 'scripted-vm.json'), JSON.stringify({ state: 'Broken', reason: 'the guest stopped answering' }));
    await shell.engine.create('lost', { template });
    await shell.engine.start('lost');
    await fs.writeFile(path.join(shell.engine.store.dir('lost'), 'unreachable'), '');
    // And one that runs until its driver loses its hypervisor while the page is open.
    await shell.engine.create('cut', { template });
    await shell.engine.start('cut');
  });

  after(async () => {
    await shell?.close();
  });

  it('says in its row why it is broken, in plain sight and without sideways scrolling at 390 px', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.locator('[data-testid="status-mangled"][data-state="Broken"]').waitFor();
    // Started while the page watches, for the last test: the page learns it runs from the event.
    await shell.engine.create('breaking', { template });
    await shell.engine.start('breaking');
    await page.locator('[data-testid="status-breaking"][data-state="Running"]').waitFor();
    const row = page.getByTestId('broken-mangled');
    await shows(row, /lima\.yaml:1: field "cpus"/);
    assert.ok(await row.isVisible(), 'the reason is in the row, not only in a tooltip');
    // Its lima.yaml names no driver: the list says so rather than Lima's default, qemu.
    const listRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'mangled', exact: true }) });
    assert.equal(await listRow.getByRole('cell', { name: 'unknown', exact: true }).count(), 1, 'its driver cell says unknown');
    // Nor Lima's default sizes (2 CPUs, 100 GiB) for an instance made with 1 CPU and 1 GiB.
    assert.equal(await listRow.getByRole('cell', { name: 'not known', exact: true }).count(), 3, 'CPUs, memory and disk are not known');
    // Sorted by a size, its blanks go last both ways, not where its default memory (half the host's, at most 4 GiB) would put them.
    const memory = page.getByRole('columnheader', { name: 'Memory' });
    for (const direction of ['ascending', 'descending']) {
      await memory.getByRole('button').click();
      assert.equal(await memory.getAttribute('aria-sort'), direction);
      assert.equal((await rowNames(page)).at(-1), 'mangled', `last when sorted by memory, ${direction}`);
    }
    await page.getByRole('columnheader', { name: 'Name' }).getByRole('button').click();
    await page.setViewportSize({ width: 390, height: 800 });
    assert.ok(await row.isVisible());
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.equal(overflow, 0, 'the list does not scroll sideways');
    await page.setViewportSize({ width: 1200, height: 800 });
    await screens(page, 'broken-row');
  });

  it('says on its page why it is broken, and nothing its config would have said', async () => {
    const { page } = shell;
    await page.getByRole('link', { name: 'mangled', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'mangled' }).waitFor();
    const reason = page.getByTestId('broken-reason');
    await shows(reason, /Corral cannot use this instance: .*lima\.yaml:1: field "cpus"/);
    assert.ok(await reason.isVisible(), 'the reason is on the page, not only in a tooltip');
    // The remedy names what to click in the app; the CLI's command is for the CLI.
    assert.match(await reason.innerText(), /Fix the file, or choose Delete… in the ⋯ menu\.$/);
    assert.doesNotMatch(await reason.innerText(), /corral delete/);
    await page.getByRole('region', { name: 'Ports' }).waitFor();
    // No driver is claimed, so no view that needs one: only the Overview and its Logs.
    assert.equal(await page.locator('.instance-page .facts').innerText(), 'driver unknown · size not known', 'no qemu, no default sizes');
    assert.deepEqual(await page.getByRole('tablist', { name: 'Instance views' }).getByRole('tab').allInnerTexts(), ['Overview', 'Logs']);
    assert.doesNotMatch(await page.locator('.instance-page').innerText(), /created without one/, 'no claim about a display its unreadable config would have set');
    await screens(page, 'broken-instance');
  });

  it('shows the logs it has', async () => {
    const { page } = shell;
    await page.getByRole('tab', { name: 'Logs' }).click();
    await shows(page.getByRole('region', { name: 'Log serial.log' }), /the last words of mangled/);
    await screens(page, 'broken-instance-logs');
    await page.getByRole('tab', { name: 'Overview' }).click();
  });

  it('offers only Delete…, the one action that can work, and is deleted with it from its page', async () => {
    const { page } = shell;
    await page.getByRole('button', { name: 'More actions for mangled' }).click();
    const menu = page.getByRole('menu', { name: 'More actions for mangled' });
    assert.deepEqual(await menu.getByRole('menuitem').allInnerTexts(), ['Delete…'], 'no Force stop, Restart or Edit that cannot run');
    await menu.getByRole('menuitem', { name: 'Delete…' }).click();
    await page.getByRole('dialog', { name: 'Delete mangled?' }).getByRole('button', { name: 'Delete mangled' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instances' }).or(page.getByText('This instance no longer exists.')).first().waitFor();
    assert.deepEqual((await shell.engine.list()).map((i) => i.name), ['breaking', 'broken-vm', 'cut', 'hung', 'lost', 'orphan']);
  });

  it('offers Restart…, Force stop… and Delete… when its driver reported it broken, and says to force stop it for the rest, in its row and on its page', async () => {
    const { page } = shell;
    // Not a reload: the page must keep watching breaking's status for the last test's notification.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    await page.locator('[data-testid="status-broken-vm"][data-state="Broken"]').waitFor();
    const waitForForceStop = ['Clone…', 'Rename…', 'Edit…'].map((label) => [label, 'it is broken; force stop it first']);
    const offered = [['Restart…', ''], ...waitForForceStop, ['Force stop…', ''], ['Delete…', '']];
    assert.deepEqual(await menuItems(page, 'broken-vm'), offered, 'the row: what works, and what to do for the rest (not Stop, which it does not offer)');
    await page.keyboard.press('Escape');
    await screens(page, 'broken-by-driver-row');
    await page.getByRole('link', { name: 'broken-vm', exact: true }).click();
    await shows(page.getByTestId('broken-reason'), 'the scripted hypervisor lost its VM');
    assert.deepEqual(await menuItems(page, 'broken-vm'), offered, 'its page agrees with its row');
    // Its ⋯ is the page's only action button, at the left: the menu opens rightwards, inside the page.
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 844 });
      const menu = await page.getByRole('menu', { name: 'More actions for broken-vm' }).boundingBox();
      const main = await page.locator('main').boundingBox();
      assert.ok(menu && main && menu.x >= main.x && menu.x + menu.width <= width, `the menu lies within the page at ${width} px: ${JSON.stringify({ menu, main })}`);
    }
    await screens(page, 'broken-by-driver-menu');
    await page.getByRole('menu', { name: 'More actions for broken-vm' }).getByRole('menuitem', { name: 'Force stop…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Force stop broken-vm?' });
    await shows(confirm, 'It is broken, so this is the way to stop it');
    await confirm.getByRole('button', { name: 'Force stop broken-vm' }).click();
    await page.locator('[data-testid="status-broken-vm"][data-state="Stopped"]').waitFor();
    // Stopped, its page shows what it can do now as buttons: Clone… and Edit… among them.
    for (const action of ['Clone', 'Edit']) {
      assert.equal(await page.getByRole('button', { name: `${action} broken-vm`, exact: true }).getAttribute('aria-disabled'), 'false', `${action}… works once it is stopped`);
    }
    await shell.engine.delete('broken-vm');
  });

  it('offers only Delete… when the driver its lima.yaml names is not installed, in its row and on its page, saying what recovers it', async () => {
    const { page } = shell;
    const remedy = /driver "uninstalled" is not installed \(installed: [^)]*\)\. Install its driver from the Drivers page, or choose Delete… in the ⋯ menu\.$/;
    await page.getByRole('button', { name: '← All instances' }).click();
    await shows(page.getByTestId('broken-orphan'), remedy);
    assert.deepEqual(await menuItems(page, 'orphan'), [['Delete…', '']], 'no Force stop… that its missing driver cannot do');
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'orphan', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'orphan' }).waitFor();
    await shows(page.getByTestId('broken-reason'), remedy);
    assert.deepEqual(await menuItems(page, 'orphan'), [['Delete…', '']]);
    await page.keyboard.press('Escape');
    await shell.engine.delete('orphan');
  });

  it('asks before restarting a hung one, as it pulls the plug, then brings it back to Running', async () => {
    const { page } = shell;
    await page.getByRole('button', { name: '← All instances' }).click();
    await page.locator('[data-testid="status-hung"][data-state="Broken"]').waitFor();
    await page.getByRole('button', { name: 'More actions for hung' }).click();
    await page.getByRole('menu', { name: 'More actions for hung' }).getByRole('menuitem', { name: 'Restart…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Restart hung?' });
    await shows(confirm, /ends hung at once, like pulling the power plug.*Then it starts again\./);
    await screens(page, 'broken-restart-confirm');
    await confirm.getByRole('button', { name: 'Restart hung' }).click();
    await page.locator('[data-testid="status-hung"][data-state="Running"]').waitFor();
    await shows(page.getByRole('status'), 'Restarted hung.');
    assert.equal((await shell.engine.inspect('hung')).state, 'Running');
    await shell.engine.delete('hung', { force: true });
  });

  it('offers only Delete… when its driver cannot answer, saying so, in its row and on its page, with no tab that needs the driver', async () => {
    const { page } = shell;
    const said = /^cannot reach the scripted hypervisor: its socket is gone\. Its driver cannot answer, so only Delete… in the ⋯ menu can remove it\.$/;
    await shows(page.getByTestId('broken-lost'), said);
    const offered = [['Delete…', '']];
    assert.deepEqual(await menuItems(page, 'lost'), offered, 'the row: the driver would fail Force stop… and Restart… with its error');
    await page.keyboard.press('Escape');
    await page.getByRole('link', { name: 'lost', exact: true }).click();
    await shows(page.getByTestId('broken-reason'), /^Corral cannot use this instance: cannot reach the scripted hypervisor: its socket is gone\. Its driver cannot answer, so only Delete… in the ⋯ menu can remove it\.$/);
    assert.deepEqual(await menuItems(page, 'lost'), offered, 'its page agrees with its row');
    assert.deepEqual(await page.getByRole('tablist', { name: 'Instance views' }).getByRole('tab').allInnerTexts(), ['Overview', 'Logs'], 'no Console or Terminal that would need the driver');
    await screens(page, 'broken-unreachable-menu');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: '← All instances' }).click();
  });

  it('deletes one whose driver cannot answer for its VM with Delete…, saying first what happens and after what may remain', async () => {
    const { page } = shell;
    await shows(page.getByTestId('broken-lost'), 'cannot reach the scripted hypervisor: its socket is gone');
    await page.getByRole('button', { name: 'More actions for lost' }).click();
    await page.getByRole('menu', { name: 'More actions for lost' }).getByRole('menuitem', { name: 'Delete…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete lost?' });
    await shows(confirm, 'the folder is removed even if its driver cannot delete the VM; you are told what may remain');
    await confirm.getByRole('button', { name: 'Delete lost' }).click();
    await page.locator('tbody tr[data-instance="lost"]').waitFor({ state: 'detached' });
    await shows(page.getByRole('alert'), /^Deleted lost\. Warning: the scripted driver could not delete the VM of "lost" \(cannot reach the scripted hypervisor: its socket is gone\): .*may remain/);
    // The delete worked: what it may have left is a warning, in the warning colours with an icon, not an error's.
    const notice = page.getByRole('alert');
    const background = await notice.evaluate((element) => (globalThis as unknown as Styled).getComputedStyle(element).backgroundColor);
    const warningBackground = await page.evaluate(`(() => {
      const probe = document.body.appendChild(document.createElement('div'));
      probe.style.background = 'var(--warn-bg)';
      const colour = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return colour;
    })()`);
    assert.equal(background, warningBackground, 'the warning colour');
    assert.equal(await notice.locator('svg[aria-hidden="true"]').count(), 1, 'the warning icon');
    await screens(page, 'broken-deleted-with-warning');
    assert.equal((await shell.engine.list()).find((i) => i.name === 'lost'), undefined, 'gone from the engine too');
    await assert.rejects(fs.stat(shell.engine.store.dir('lost')), 'its folder is gone');
  });

  it('says so in its row when a running instance\'s driver stops answering while the page is open', async () => {
    const { page, engine } = shell;
    await page.locator('[data-testid="status-cut"][data-state="Running"]').waitFor();
    // The engine looks again at each save of lima.yaml. The first one it has seen is news (the
    // list changes); after it, an unchanged save is not: only a status event says what it found.
    const config = path.join(engine.store.dir('cut'), 'lima.yaml');
    let seenAt = Number.POSITIVE_INFINITY;
    const stop = engine.events.on((event) => {
      if (event.type === 'instances-changed') seenAt = Math.min(seenAt, Date.now());
    });
    // The page's fetch of the list that news asked for, done before its driver goes, or it would tell the page.
    const listedAgain = page.waitForResponse((response) => response.url().endsWith('/api/listInstances') && response.request().timing().startTime >= seenAt);
    await fs.writeFile(config, await fs.readFile(config));
    await listedAgain;
    stop();
    await fs.writeFile(path.join(engine.store.dir('cut'), 'unreachable'), '');
    await fs.writeFile(config, await fs.readFile(config));
    // The status event says Broken, why, and that its driver cannot answer: the row words the remedy from it.
    await shows(page.getByTestId('broken-cut'), /Its driver cannot answer, so only Delete… in the ⋯ menu can remove it\.$/);
    assert.deepEqual(await menuItems(page, 'cut'), [['Delete…', '']]);
    await page.keyboard.press('Escape');
    await engine.delete('cut', { force: true });
  });

  it('is told of on the desktop in the app\'s words when a running instance\'s lima.yaml breaks', async () => {
    const { page } = shell;
    const dir = shell.engine.store.dir('breaking');
    // The engine's watch sees the save itself (an editor's, here in place).
    await fs.writeFile(path.join(dir, 'lima.yaml'), 'vmType: scripted\ncpus: lots\nimages: []\n');
    const { title, body } = await waitForNotification(page, { titleStartsWith: 'breaking is broken' }, 30_000);
    assert.equal(title, 'breaking is broken', 'the title says what happened; the body says why');
    assert.match(body, /lima\.yaml:2: field "cpus".*\. Fix the file, or choose Delete… in the ⋯ menu\.$/);
    assert.doesNotMatch(body, /corral delete/, 'the CLI\'s remedy is for the CLI');
    await shell.engine.delete('breaking', { force: true });
  });

  it('is told of on the desktop with what recovers it when a running instance\'s driver goes missing', async () => {
    const { page, engine } = shell;
    await engine.create('unplugged', { template });
    await engine.start('unplugged');
    const config = path.join(engine.store.dir('unplugged'), 'lima.yaml');
    await fs.writeFile(config, (await fs.readFile(config, 'utf8')).replace(/^vmType: scripted$/m, 'vmType: uninstalled'));
    const { body } = await waitForNotification(page, { titleStartsWith: 'unplugged is broken' }, 30_000);
    assert.match(body, /^driver "uninstalled" is not installed \(installed: [^)]*\)\. Install its driver from the Drivers page, or choose Delete… in the ⋯ menu\.$/);
    await engine.delete('unplugged', { force: true });
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
