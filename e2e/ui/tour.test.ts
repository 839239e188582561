// A first-time user's walk through every screen of the web shell, on real tiny QEMU guests booted
// once: the empty list, the create dialog, a list of three in different states, an instance's
// tabs, every dialog, Downloads, Drivers with its trust dialog, Settings, the help sheet and the
// connection-lost banner. Each screen is kept at 1280x800 and 390 px, light and dark, in
// test-results/tour-*.png (for a person to look at); axe and sideways scrolling are checked on
// each, and collected so that one bad screen does not hide the rest.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { packExampleBundle } from '../../src-main/core/drivers/bundles/test-support/bundles.ts';
import { seriousViolations } from './browser.ts';
import { commonest, contrast, pixelsAt } from './pixels.ts';
import { openQemuShell } from './qemu-shell.ts';
import type { QemuShell } from './qemu-shell.ts';
import { resultsDir } from './screens.ts';
import { shows } from './scripted-shell.ts';

type Focus = { document: { activeElement: { getAttribute(name: string): string | null; textContent: string | null } | null } };
const focused = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const active = (globalThis as unknown as Focus).document.activeElement;
    return active?.getAttribute('aria-label') ?? active?.textContent ?? '';
  });

describe('a first-time user’s tour of every screen', () => {
  let shell: QemuShell;
  /** Every screen's axe violations and sideways scrolling, asserted empty at the end. */
  const faults: string[] = [];

  async function keep(name: string): Promise<void> {
    const { page } = shell;
    await page.mouse.move(0, 0); // no hover left on the last control clicked
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await page.setViewportSize({ width, height });
        await page.emulateMedia({ colorScheme: scheme });
        const violations = await seriousViolations(page);
        if (violations.length > 0) faults.push(`${name} ${width} ${scheme}: ${JSON.stringify(violations)}`);
        const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
        if (overflow > 0) faults.push(`${name} ${width} ${scheme}: scrolls sideways by ${overflow} px`);
        await page.screenshot({ path: path.join(resultsDir, `tour-${name}-${width}-${scheme}.png`), fullPage: true });
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
  }

  const nav = (): Locator => shell.page.getByRole('navigation', { name: 'Main' });
  const menuItem = async (instance: string, item: string): Promise<void> => {
    await shell.page.getByRole('button', { name: `More actions for ${instance}` }).click();
    await shell.page.getByRole('menu', { name: `More actions for ${instance}` }).getByRole('menuitem', { name: item }).click();
  };

  /** How many lines a cell's text takes (a Range's boxes: one per line). */
  const textLines = (cell: Locator): Promise<number> =>
    cell.evaluate((element) => {
      const range = element.ownerDocument.createRange();
      range.selectNodeContents(element);
      return range.getClientRects().length;
    });

  /**
   * The open dialog stands apart from the dimmed page behind it: its surface or its edge has at
   * least 3:1 contrast (WCAG's bar for the edges of controls) against the page just beside it.
   */
  async function separation(dialog: Locator, scheme: 'light' | 'dark'): Promise<void> {
    const { page } = shell;
    await page.emulateMedia({ colorScheme: scheme });
    const box = await dialog.boundingBox();
    assert.ok(box, 'the dialog is shown');
    const y = box.y + 8;
    const beside = Array.from({ length: 16 }, (_, i) => [box.x - 6 - i, y] as const);
    const [edge, surface, ...outside] = await pixelsAt(page, [[box.x + 0.5, box.y + box.height / 2], [box.x + 4, y], ...beside]);
    assert.ok(edge && surface);
    const page_ = commonest(outside);
    const best = Math.max(contrast(edge, page_), contrast(surface, page_));
    if (best < 3) faults.push(`${scheme}: the dialog hardly stands out from the dimmed page (edge ${edge}, surface ${surface}, page ${page_}: ${best.toFixed(2)}:1)`);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  before(async () => {
    shell = await openQemuShell();
    await fs.mkdir(resultsDir, { recursive: true });
  });

  after(async () => {
    await shell?.close();
  });

  it('the empty list and the create dialog, opened with N and filled from the keyboard', async () => {
    const { page, template } = shell;
    await page.goto(shell.server.url);
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    await keep('list-empty');
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.waitFor();
    await keep('create');
    await page.keyboard.type('web');
    await dialog.getByRole('radio', { name: 'From file…' }).check();
    await dialog.getByLabel('Template file (lima.yaml path)').fill(template);
    await shows(dialog, '1 CPU');
    await keep('create-from-file');
    await dialog.getByLabel('Template file (lima.yaml path)').press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await page.locator('[data-testid="status-web"][data-state="Stopped"]').waitFor();
  });

  it('a list of three in different states', async () => {
    const { page, engine, template } = shell;
    for (const name of ['db', 'cache']) await engine.create(name, { template });
    await page.getByRole('button', { name: 'Start web' }).click();
    await engine.start('cache');
    await engine.pause('cache');
    await page.locator('[data-testid="status-cache"][data-state="Paused"]').waitFor();
    await page.locator('[data-testid="status-web"][data-state="Running"]').waitFor({ timeout: 60_000 });
    // The tiny guest never runs Corral's boot script, so it reads "Starting (booting)" as a real
    // guest does before its first word (guest-status checks what its page says about that).
    await shows(page.getByTestId('status-web'), 'Starting (booting)');
    await keep('list-three');
    await page.getByRole('button', { name: 'More actions for web' }).click();
    const menu = page.getByRole('menu', { name: 'More actions for web' });
    await menu.waitFor();
    // An item that asks first says so with "…", as Delete… does.
    assert.equal(await menu.getByRole('menuitem', { name: 'Force stop…', exact: true }).count(), 1, 'Force stop… opens a question');
    // Why Clone… is off names the status as the badge beside it does, not the VM's "running".
    assert.match(await menu.getByRole('menuitem', { name: /^Clone…/ }).innerText(), /it is starting; stop it before cloning it/);
    await keep('row-menu');
    await page.keyboard.press('Escape');
  });

  it('an instance’s tabs', async () => {
    const { page } = shell;
    await page.getByRole('link', { name: 'web', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'web' }).waitFor();
    // At 390 px the facts line wraps between facts, never inside one ("1 GiB" stays whole).
    await page.setViewportSize({ width: 390, height: 844 });
    const lines = await page.locator('.instance-page .facts .fact').evaluateAll((facts) => facts.map((f) => `${f.textContent}: ${f.getClientRects().length}`));
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.ok(lines.length >= 5, `the facts are listed one by one: ${lines.join(', ')}`);
    assert.deepEqual(lines.filter((l) => !l.endsWith(': 1')), [], 'no fact is broken over two lines');
    await keep('instance-overview');
    for (const tab of ['Console', 'Terminal', 'Display', 'Snapshots', 'Logs']) {
      const control = page.getByRole('tab', { name: tab });
      if (await control.count() === 0) { faults.push(`no ${tab} tab`); continue; }
      await control.click();
      await page.getByRole('tabpanel', { name: tab }).waitFor();
      if (tab === 'Console') {
        // Something in the serial log a terminal would draw bold: the Logs tab shows the text without the escapes.
        await page.getByTestId('terminal').click();
        await page.keyboard.type("printf '\\033[1mcorral-bold\\033[0m\\n'\n");
        // The typed line echoes "corral-bold" once; the output makes it twice.
        await shows(page.getByTestId('terminal').locator('.xterm-rows'), /corral-bold.*corral-bold/s);
      }
      if (tab === 'Terminal') {
        // No SSH from the guest yet: New terminal is off, and says why where the user looks.
        const open = page.getByRole('button', { name: 'New terminal' });
        assert.equal(await open.isDisabled(), true, 'New terminal is off until the guest answers over SSH');
        const reason = await open.getAttribute('aria-describedby');
        assert.ok(reason, 'the button is described by its reason');
        await shows(page.locator(`[id="${reason}"]`), 'Waiting for the guest’s SSH…');
      }
      if (tab === 'Snapshots') {
        // A first snapshot needs no name typed: it takes the one the field suggests.
        const section = page.getByRole('region', { name: 'Snapshots' });
        assert.equal(await section.getByLabel('Snapshot tag').getAttribute('placeholder'), 'snapshot-1');
        await section.getByRole('button', { name: 'Take snapshot' }).click();
        await shows(section.locator('tr[data-snapshot="snapshot-1"]'), 'taken running', 90_000);
        // At 390 px the row wraps between its cells; the tag stays whole ("snapshot-1", not "snapshot-" / "1").
        await page.setViewportSize({ width: 390, height: 844 });
        const tagLines = await textLines(section.locator('tr[data-snapshot="snapshot-1"] th'));
        await page.setViewportSize({ width: 1280, height: 800 });
        assert.equal(tagLines, 1, 'the snapshot tag is on one line at 390 px');
      }
      if (tab === 'Display') {
        // On a phone the screen's box is about a screen's shape, not a tall box with the picture a band in it.
        await page.setViewportSize({ width: 390, height: 844 });
        const box = await page.getByTestId('vnc-screen').boundingBox();
        await page.setViewportSize({ width: 1280, height: 800 });
        assert.ok(box && box.height <= box.width * 0.8, `the display's box at 390 px is ${box?.width} x ${box?.height}`);
      }
      await keep(`instance-${tab.toLowerCase()}`);
    }
    const serial = page.getByRole('region', { name: 'Log serial.log' });
    await page.getByLabel('Follow').check();
    await shows(serial, /corral-bold.*corral-bold/s);
    await page.getByLabel('Follow').uncheck();
    const raw = await fs.readFile(path.join(shell.home, 'instances', 'web', 'serial.log'), 'utf8');
    assert.ok(raw.includes('\u001b[1mcorral-bold'), 'the guest wrote the escape into serial.log');
    const shown = await serial.locator('pre').innerText();
    const controls = [...shown].filter((c) => c.charCodeAt(0) < 0x20 && c !== '\n' && c !== '\t');
    assert.deepEqual(controls, [], 'the Logs tab shows no terminal control characters');
    // At 390 px a long word (QEMU's command line, the cidata digest) wraps inside its log, rather than hiding past the box's edge.
    await page.setViewportSize({ width: 390, height: 844 });
    const hidden = await page.locator('.logs pre').evaluateAll((pres) => pres.map((pre) => pre.scrollWidth - pre.clientWidth));
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.deepEqual(hidden.filter((px) => px > 0), [], 'no log scrolls sideways at 390 px');
    // Every instance writes to the one driver log; web's Logs tab shows web's entries, not cache's.
    const driverLog = await page.getByRole('region', { name: /^Log driver / }).locator('pre').innerText();
    assert.match(driverLog, /\] web: starting/, 'web\'s own start is in its driver log');
    assert.doesNotMatch(driverLog, /\] cache: /, 'the paused instance cache\'s entries are not in web\'s driver log');
    await page.getByRole('tab', { name: 'Overview' }).click();
  });

  it('every instance dialog', async () => {
    const { page } = shell;
    await nav().getByRole('link', { name: 'Instances' }).click();
    for (const [instance, item, name] of [['web', 'Force stop', 'force-stop'], ['db', 'Rename…', 'rename'], ['db', 'Clone…', 'clone'], ['db', 'Edit…', 'edit'], ['db', 'Delete…', 'delete']] as const) {
      await menuItem(instance, item);
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const width = (await dialog.boundingBox())?.width ?? 0;
      if (width > 660) faults.push(`the ${item} dialog is ${Math.round(width)} px wide at 1280 px: lines too long to read`);
      await keep(`dialog-${name}`);
      for (const scheme of ['light', 'dark'] as const) await separation(dialog, scheme);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      const back = await focused(page);
      if (back !== `More actions for ${instance}`) faults.push(`after ${item} closes, the focus is on "${back}"`);
    }
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await keep('help');
    await page.keyboard.press('Escape');
  });

  it('Downloads, Drivers with the trust dialog, Settings', async () => {
    const { page } = shell;
    await nav().getByRole('link', { name: 'Downloads' }).click();
    await page.getByRole('heading', { level: 1, name: 'Downloads' }).waitFor();
    await keep('downloads');
    await nav().getByRole('link', { name: 'Drivers' }).click();
    await page.getByRole('heading', { level: 1, name: 'Drivers' }).waitFor();
    // At 390 px a driver's description runs under its name across the row, not down a narrow column.
    await page.setViewportSize({ width: 390, height: 844 });
    const description = await page.locator('tr[data-driver="qemu"] .cell-note').boundingBox();
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.ok(description && description.width > 300, `the qemu driver's description is ${description?.width} px wide at 390 px`);
    await keep('drivers');
    const bundle = await packExampleBundle(shell.root);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Install from file…' }).click();
    await (await chooser).setFiles(bundle);
    await page.getByRole('dialog', { name: 'Install a driver?' }).waitFor();
    await keep('trust');
    await page.keyboard.press('Escape');
    await nav().getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    // The cache was given at start: that is where it comes from, not "the --home option".
    const cache = page.getByRole('region', { name: 'Download cache' });
    await shows(cache, 'Set by the cache option given at start');
    assert.doesNotMatch(await cache.innerText(), /--home/);
    // "None: …" under Trusted signing keys is a note like its neighbours, not body text.
    const keys = page.getByRole('region', { name: 'Trusted signing keys' });
    const sizes = await keys.locator('p').evaluateAll((ps) => ps.map((p) => `${p.textContent?.slice(0, 5)} ${p.ownerDocument.defaultView?.getComputedStyle(p).fontSize}`));
    assert.equal(new Set(sizes.map((s) => s.split(' ').pop())).size, 1, `the lines under Trusted signing keys share one size: ${sizes.join(', ')}`);
    await keep('settings');
  });

  it('the connection-lost banner', async () => {
    const { page } = shell;
    await nav().getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    await shell.server.close();
    await page.getByRole('alert').filter({ hasText: /reach|connection/i }).first().waitFor();
    // What the list shows is the last known state, and says so: a note, and badges drawn as outlines, not in live colours.
    await shows(page.getByTestId('stale-note'), /^Last known state, from .+: states and figures here are not updated until Corral is back\.$/);
    const badge = page.getByTestId('status-web');
    assert.equal(await badge.evaluate((b) => b.ownerDocument.defaultView?.getComputedStyle(b).outlineStyle), 'dashed', 'the badge is marked as not live');
    assert.equal(await badge.evaluate((b) => b.ownerDocument.defaultView?.getComputedStyle(b).backgroundColor), 'rgba(0, 0, 0, 0)', 'the badge drops its live colour');
    await keep('offline');
    // And so does an instance's page, reached while offline.
    await page.getByRole('link', { name: 'web', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'web' }).waitFor();
    await shows(page.getByTestId('stale-note'), 'Last known state');
    // The banner is the one place that says Corral is gone: the page's sections do not repeat it as errors.
    assert.equal(await page.getByRole('region', { name: 'Ports' }).getByRole('alert').count(), 0, 'the Ports section adds no error of its own');
    await keep('offline-instance');
  });

  it('every screen passes axe, fits 390 px, and dialogs give the focus back', () => {
    assert.deepEqual(faults, []);
  });
});
