// The create dialog's template picker: a template from the engine's catalog (assets/templates)
// picked in the dialog makes the instance, with that template's CPUs and memory. Its images
// are remote, so create fetches nothing (they come at first start, which this does not do).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { effectiveConfig } from '../../src-main/core/instances/effective.ts';
import { loadTemplate } from '../../src-main/core/templates/load.ts';
import { formatBytes } from '../../src-renderer/ui/format.ts';
import { sizeBytes } from '../../src-renderer/ui/size.ts';
import { repoRoot, writeTemplate } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

const resultsDir = path.join(repoRoot, 'test-results');
type Focus = { document: { activeElement: unknown } };

/** The little of the DOM `reachable` uses (the specs are type-checked without DOM types). */
interface Hit { getBoundingClientRect(): { x: number; y: number; width: number; height: number }; contains(other: unknown): boolean; ownerDocument: { elementFromPoint(x: number, y: number): unknown; defaultView: { innerHeight: number } } }
/** Whether the button is inside the window and on top there (nothing scrolled over it): clickable without scrolling. */
const reachable = (button: unknown): boolean => {
  const b = button as Hit;
  const r = b.getBoundingClientRect();
  return r.y >= 0 && r.y + r.height <= b.ownerDocument.defaultView.innerHeight && b.contains(b.ownerDocument.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
};

describe('template picker', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell();
  });

  after(async () => {
    await shell?.close();
  });

  it('creates an instance from a catalog template with its CPUs and memory', { timeout: 60_000 }, async () => {
    const { page, engine } = shell;
    const catalog = await engine.listTemplates();
    const picked = catalog.find((t) => t.name === 'debian') ?? catalog[0];
    assert.ok(picked, 'the catalog has templates');
    const expected = effectiveConfig((await loadTemplate(picked.name, { vmTypes: engine.drivers.names() })).config);

    await page.goto(shell.server.url);
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    const card = dialog.getByRole('radio', { name: picked.name, exact: true });
    await card.check(); // waits for the catalog's answer
    await dialog.getByLabel('Name').fill('from-catalog');
    const driverSelect = dialog.getByLabel('Driver');
    await shows(driverSelect, 'scripted');
    await driverSelect.selectOption('scripted'); // no hypervisor needed to create
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 }).catch(async (error: unknown) => {
      throw new Error(`the dialog stayed open showing: ${await dialog.innerText()}`, { cause: error });
    });

    const row = page.locator('tr[data-instance="from-catalog"]');
    await shows(row.getByTestId('status-from-catalog'), 'Stopped');
    const cells = await row.locator('td').allInnerTexts();
    // Status, driver, CPUs, memory, disk, actions.
    assert.equal(cells[1], 'scripted');
    assert.equal(cells[2], String(expected.cpus));
    assert.equal(cells[3], formatBytes(expected.memoryBytes));
    assert.equal((await engine.inspect('from-catalog')).cpus, expected.cpus, 'the engine agrees');
  });

  it('shows each catalog template as a card with its facts, prefills the fields and checks them against this host', { timeout: 60_000 }, async () => {
    const { page, engine } = shell;
    const host = { cpus: os.availableParallelism(), memoryBytes: os.totalmem() };
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    for (const entry of await engine.listTemplates()) {
      const card = dialog.locator(`[data-template="${entry.name}"]`);
      const facts = effectiveConfig((await loadTemplate(entry.name, { vmTypes: engine.drivers.names() })).config);
      await shows(card, entry.description);
      await shows(card, `Linux · ${facts.arch} · ${facts.cpus} CPUs · ${formatBytes(facts.memoryBytes)} memory · ${formatBytes(facts.diskBytes)} disk`);
      // No network here: the image's server cannot be asked, and the card says so.
      await shows(card, 'Image size unknown; downloaded at first start');
    }
    const catalog = await engine.listTemplates();
    await dialog.getByRole('radio', { name: 'debian', exact: true }).check();
    const debian = effectiveConfig((await loadTemplate('debian', { vmTypes: engine.drivers.names() })).config);
    const cpus = dialog.getByLabel('CPUs');
    const memory = dialog.getByLabel('Memory');
    assert.equal(await cpus.inputValue(), String(debian.cpus), 'CPUs show the template’s value');
    // debian says no CPUs or memory: Lima's defaults fit the host (at most its cores, half its memory),
    // so what is prefilled raises no warning of its own.
    assert.equal(debian.cpus, Math.min(4, host.cpus), 'the default CPUs never exceed this host’s');
    assert.ok(debian.memoryBytes <= host.memoryBytes / 2, 'the default memory is at most half this host’s');
    assert.equal(await dialog.getByText(/will share them|More than this computer’s/).count(), 0, 'the prefilled values raise no warning');
    // Compared as bytes: a default of half a small host's memory is no whole number of GiB.
    assert.equal(sizeBytes(await memory.inputValue(), { unitRequired: true }), debian.memoryBytes);
    assert.equal(await dialog.getByLabel('Disk').inputValue(), `${debian.diskBytes / 1024 ** 3}GiB`);
    // More CPUs and memory than this host has: a warning on each field (Create still works).
    await cpus.fill(String(host.cpus + 2));
    await shows(dialog, `This computer has ${host.cpus} CPUs; the guest’s ${host.cpus + 2} will share them`);
    await memory.fill(`${Math.ceil(host.memoryBytes / 1024 ** 3) + 1}GiB`);
    await shows(dialog, /More than this computer’s .* of memory/);
    // The display is always said: the template's qemu driver has a VNC screen, on by default;
    // the scripted driver has none, and the dialog says so.
    const displayBox = dialog.getByRole('checkbox', { name: 'Graphical display (VNC)' });
    await shows(dialog, 'On: see the guest’s screen in the app.');
    assert.equal(await displayBox.isChecked(), true);
    await dialog.getByLabel('Driver').selectOption('scripted');
    await shows(dialog, 'No display: the scripted driver has none; use the console and terminal.');
    assert.equal(await displayBox.isDisabled(), true);
    // The gallery makes the dialog taller than the window: its buttons stay in view all the same.
    assert.equal(await dialog.evaluate((d) => (d as unknown as { scrollHeight: number; clientHeight: number }).scrollHeight > (d as unknown as { clientHeight: number }).clientHeight), true, 'the dialog scrolls');
    for (const name of ['Create', 'Cancel']) assert.equal(await dialog.getByRole('button', { name }).evaluate(reachable), true, `${name} is in view without scrolling`);
    assert.deepEqual(await seriousViolations(page), []);
    await fs.mkdir(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, 'create-gallery-1280-light.png') });
    assert.ok(catalog.length >= 4);
  });

  it('says each problem on its field in the dialog’s words and focuses it; Create never does nothing', { timeout: 60_000 }, async () => {
    const { page } = shell;
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    const memory = dialog.getByLabel('Memory');
    await memory.fill('lots');
    await dialog.getByLabel('Name').fill('fielded');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await shows(dialog.locator('#' + (await memory.getAttribute('aria-describedby') ?? '')), 'Enter a size with its unit, such as 512MiB or 4GiB.');
    assert.equal(await memory.getAttribute('aria-invalid'), 'true');
    assert.ok(await memory.evaluate((e) => e === (globalThis as unknown as Focus).document.activeElement), 'the focus is on the memory field');
    assert.doesNotMatch(await dialog.innerText(), /--memory/, 'no CLI flag names');
    await memory.fill('1GiB');
    await dialog.getByLabel('CPUs').fill('1');

    // From file…: an empty path and a missing file are said on the path field.
    await dialog.getByRole('radio', { name: 'From file…' }).check();
    const file = dialog.getByLabel('Template file (lima.yaml path)');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await shows(dialog, 'Enter the path of a lima.yaml file');
    assert.ok(await file.evaluate((e) => e === (globalThis as unknown as Focus).document.activeElement), 'the focus is on the path field');
    await file.fill(path.join(shell.root, 'missing.yaml'));
    await dialog.getByRole('button', { name: 'Create' }).click();
    await shows(dialog, /This template cannot be used: .*missing\.yaml/);
    const template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await file.fill(template);
    await dialog.getByRole('button', { name: 'Create' }).click(); // waits for the file's facts, then creates
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await shows(page.getByTestId('status-fielded'), 'Stopped');
    await page.setViewportSize({ width: 390, height: 844 });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.getByRole('button', { name: 'New instance…' }).click();
      await dialog.getByRole('radio', { name: 'debian', exact: true }).check();
      await dialog.getByLabel('Memory').fill('lots');
      const dialogBox = await dialog.boundingBox();
      assert.ok(dialogBox && dialogBox.x >= 0 && dialogBox.x + dialogBox.width <= 390, 'the dialog fits 390 px');
      assert.equal(await dialog.evaluate((d) => (d as unknown as { scrollWidth: number; clientWidth: number }).scrollWidth <= (d as unknown as { clientWidth: number }).clientWidth), true, 'nothing in the dialog scrolls sideways');
      const create = dialog.getByRole('button', { name: 'Create' });
      const box = await create.boundingBox();
      assert.ok(box && box.x + box.width <= 390, 'Create is on screen at 390 px');
      assert.equal(await create.evaluate(reachable), true, 'and in view without scrolling');
      assert.deepEqual(await seriousViolations(page), []);
      await page.screenshot({ path: path.join(resultsDir, `create-dialog-390-${scheme}.png`) });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.screenshot({ path: path.join(resultsDir, `create-dialog-1280-${scheme}.png`) });
      await page.setViewportSize({ width: 390, height: 844 });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('creates from every catalog template without warnings about the template itself', { timeout: 60_000 }, async () => {
    const { page, engine } = shell;
    await page.setViewportSize({ width: 1280, height: 800 });
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    for (const entry of await engine.listTemplates()) {
      await page.getByRole('button', { name: 'New instance…' }).click();
      await dialog.getByLabel('Name').fill(`cat-${entry.name}`);
      await dialog.getByRole('radio', { name: entry.name, exact: true }).check();
      await dialog.getByLabel('Driver').selectOption('scripted');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
      // A create with warnings says so in the alert region, as a warning: look in both.
      const notice = page.getByRole('status').or(page.getByRole('alert')).filter({ hasText: `Created cat-${entry.name}.` });
      await notice.waitFor();
      assert.doesNotMatch(await notice.innerText(), /Warning/, `${entry.name} warns about itself`);
    }
  });

  it('says a create that came with a warning as a warning, in the alert region', { timeout: 60_000 }, async () => {
    const { page } = shell;
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await page.getByRole('button', { name: 'New instance…' }).click();
    await dialog.getByLabel('Name').fill('crowded');
    await dialog.getByRole('radio', { name: 'debian', exact: true }).check();
    // With the template's qemu driver, built in, the VM runs on this host, whose cores are checked (not for an installed driver such as scripted).
    await dialog.getByLabel('CPUs').fill(String(os.availableParallelism() + 2)); // more than this host has: created, with a warning
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    const notice = page.getByRole('alert').filter({ hasText: 'Created crowded. Warning:' });
    await shows(notice, /CPUs/);
    assert.match(await notice.getAttribute('class') ?? '', /\bwarning\b/, 'styled as a warning, not an error');
  });

  it('states a remote image’s size from its server before any download, asking it once; “size unknown” when it does not say', { timeout: 60_000 }, async () => {
    const { page } = shell;
    const heads: string[] = [];
    const server = http.createServer((request, response) => {
      if (request.method === 'HEAD') heads.push(request.url ?? '');
      // A server that does not say the size streams the answer without a Content-Length.
      if (request.url === '/unsized.img') response.writeHead(200, { 'Transfer-Encoding': 'chunked' });
      else if (request.url === '/sized.img') response.writeHead(200, { 'Content-Length': String(3 * 1024 ** 2) });
      else response.writeHead(404);
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const remoteTemplate = async (file: string, image: string): Promise<string> => {
        const at = path.join(shell.root, file);
        await fs.writeFile(at, `images:\n  - location: "http://127.0.0.1:${port}/${image}"\nvmType: scripted\n`);
        return at;
      };
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(shell.server.url);
      await page.getByRole('button', { name: 'New instance…' }).click();
      const dialog = page.getByRole('dialog', { name: 'New instance' });
      await dialog.locator('[data-template="debian"]').waitFor(); // the catalog has answered
      await dialog.getByRole('radio', { name: 'From file…' }).check();
      const file = dialog.getByLabel('Template file (lima.yaml path)');
      // Typed, not left: the path is read once typing pauses, while the focus stays in the field.
      await file.pressSequentially(await remoteTemplate('sized.yaml', 'sized.img'));
      await shows(dialog, 'Image 3 MiB to download at first start').catch(async (error: unknown) => {
        throw new Error(`the dialog shows: ${await dialog.innerText()}`, { cause: error });
      });
      assert.ok(await file.evaluate((e) => e === (globalThis as unknown as Focus).document.activeElement), 'the focus is still in the path field');
      await page.screenshot({ path: path.join(resultsDir, 'create-remote-size-1280-light.png') });
      await file.fill(await remoteTemplate('unsized.yaml', 'unsized.img'));
      await file.press('Tab'); // the file is read once the field is left
      await shows(dialog, 'Image size unknown; downloaded at first start');
      // Another template with the same image: the engine remembers what the server said.
      await file.fill(await remoteTemplate('sized-again.yaml', 'sized.img'));
      await file.press('Tab'); // the file is read once the field is left
      await shows(dialog, 'Image 3 MiB to download at first start');
      assert.deepEqual(heads.sort(), ['/sized.img', '/unsized.img'], 'one HEAD per image, nothing downloaded');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('logged no page errors but the missing template file’s answer', () => {
    // Chromium logs every HTTP error answer; the engine answers the missing file with a 404.
    assert.deepEqual(shell.pageErrors.filter((e) => !/^Failed to load resource: .* 404/.test(e)), []);
  });
});
