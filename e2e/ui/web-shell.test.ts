// The web shell end to end: `startServer` with a real Engine on a temp CORRAL_HOME, the built
// renderer in Debian's Chromium. The guest is the real QEMU test guest when the QEMU driver
// is installed and can run here, else the console fixture driver (a real /bin/sh behind a
// serial console); the flow is the same. Screenshots go to test-results/. The CLI runs as
// its own process beside the page, as a user's terminal would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { Engine } from '../../src-main/core/engine.ts';
import { readyMarker, writeGuestTemplate } from '../support/guest.ts';
import { fixtureDriver, repoRoot, writeTemplate } from '../support/temp.ts';
import { seriousViolations } from './browser.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

const resultsDir = path.join(repoRoot, 'test-results');
const bootTimeout = 90_000;
const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');
const cliBin = path.join(repoRoot, 'bin', 'corral.js');
/** How soon another front end's change must show in the page (the "within a second"). */
const liveBoundMs = 1000;

/** Resolves once `locator` shows `text` (Playwright waits on DOM changes, no sleeps). */
function shows(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  return locator.filter({ hasText: text }).first().waitFor({ timeout });
}

/** When `shown` resolved (performance.now()); a failure waits for the await instead of going unhandled. */
function timeOf(shown: Promise<void>): Promise<number> {
  const timed = shown.then(() => performance.now());
  timed.catch(() => undefined);
  return timed;
}

/**
 * Runs the real `corral --home HOME ...ARGS` as its own process and resolves, once it has
 * exited with 0, with the moment it printed the line matching `done` (its "Created X" /
 * "Started X", printed when the engine call has returned).
 */
function corralCli(home: string, args: string[], done: RegExp): Promise<number> {
  const child = spawn(process.execPath, [cliBin, '--home', home, ...args], { env: { ...process.env, CORRAL_CACHE: cache }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let printedAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (printedAt === undefined && done.test(stdout)) printedAt = performance.now();
  });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && printedAt !== undefined) resolve(printedAt);
      else reject(new Error(`corral ${args.join(' ')} exited ${code}: ${stderr}${stdout}`));
    });
  });
}

describe('web shell in Chromium', () => {
  let shell: WebShell;
  let engine: Engine;
  let server: WebShell['server'];
  let page: Page;
  let pageErrors: string[];
  let driver: string;
  let template: string;
  let otherTemplate: string;

  before(async () => {
    shell = await openWebShell({
      engine: {
        cache,
        extraDrivers: [
          { name: 'console-fixture', entry: path.join(repoRoot, 'e2e/ui/fixtures/console-driver.ts') },
          { name: 'old', entry: fixtureDriver('old-protocol-driver.ts') },
        ],
      },
      context: { viewport: { width: 1200, height: 800 } },
    });
    ({ engine, server, page, pageErrors } = shell);
    const root = shell.root;
    await fs.mkdir(resultsDir, { recursive: true });
    const qemu = (await engine.listDrivers()).find((d) => d.name === 'qemu');
    // CORRAL_UI_DRIVER=console-fixture runs the flow without QEMU even where it exists.
    if (qemu?.available.ok && process.env.CORRAL_UI_DRIVER !== 'console-fixture') {
      driver = 'qemu';
      template = await writeGuestTemplate(root);
    } else {
      driver = 'console-fixture';
      template = await writeTemplate(root, { vmType: 'console-fixture', cpus: 1, memory: '256MiB', disk: '1GiB' });
    }
    const otherDir = path.join(root, 'other');
    await fs.mkdir(otherDir);
    otherTemplate = await writeTemplate(otherDir, { vmType: 'console-fixture', cpus: 2, memory: '512MiB', disk: '2GiB' });
  });

  after(async () => {
    await shell?.close();
  });

  it('opens from the printed URL, keeps the token out of the address bar, and passes axe', async () => {
    await page.goto(server.url);
    assert.equal(new URL(page.url()).search, '', 'the token moved into a cookie');
    await page.locator('html[data-connected="true"]').waitFor({ state: 'attached' });
    await shows(page.locator('main'), 'No instances yet');
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('creates an instance from the dialog, checking the name as it is typed', { timeout: bootTimeout + 30_000 }, async () => {
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.getByLabel('Name').fill('bad name!');
    await shows(dialog, 'Invalid name: use letters, digits');
    const driverSelect = dialog.getByLabel('Driver');
    await shows(driverSelect, driver); // the drivers have answered
    assert.equal(await driverSelect.locator('option[value="old"]').isDisabled(), true, 'an unavailable driver is listed but disabled');
    assert.match(await driverSelect.locator('option[value="old"]').innerText(), /unavailable: .*protocol/);
    assert.deepEqual(await seriousViolations(page), []);
    await dialog.getByLabel('Name').fill('web1');
    await dialog.getByRole('radio', { name: 'From file…' }).check();
    await dialog.getByLabel('Template file (lima.yaml path)').fill(template);
    await driverSelect.selectOption(driver);
    await dialog.getByRole('button', { name: 'Create' }).click();
    // The first QEMU create on a machine probes the accelerator by booting a guest: allow for it.
    await dialog.waitFor({ state: 'hidden', timeout: bootTimeout }).catch(async (error: unknown) => {
      throw new Error(`the dialog stayed open showing: ${await dialog.innerText()}`, { cause: error });
    });
    // Made in the UI with a driver that has a screen: the display is on by default.
    if (driver === 'qemu') assert.equal((await engine.inspect('web1')).display, 'vnc');
    const row = page.locator('tr[data-instance="web1"]');
    await shows(row.getByTestId('status-web1'), 'Stopped');
    await shows(row, driver);
    await shows(row, '256 MiB');
  });

  it('starts it, shows Running and the guest on the serial console, and runs a command', { timeout: bootTimeout + 60_000 }, async () => {
    await page.getByRole('button', { name: 'Start web1' }).click();
    // The VM runs; the tiny guest's badge says "Starting (booting)" (it never reports ready), as `corral list` does.
    await page.locator('[data-testid="status-web1"][data-state="Running"]').waitFor({ timeout: bootTimeout });
    assert.equal(await page.getByRole('button', { name: 'Start web1' }).count(), 0, 'Start gave way to Stop');
    await page.getByRole('link', { name: 'web1' }).click();
    await page.getByRole('tab', { name: 'Console' }).click();
    const terminal = page.getByTestId('terminal');
    await shows(terminal, readyMarker, bootTimeout);
    await terminal.click();
    await page.keyboard.type('echo $((6*7))\n');
    await shows(terminal.locator('.xterm-rows'), /^(.|\n)*\b42\b/);
    const screenshot = path.join(resultsDir, 'web-shell-console.png');
    await fs.rm(screenshot, { force: true }); // one from an earlier run proves nothing
    await page.screenshot({ path: screenshot });
    const png = await fs.readFile(screenshot);
    assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'the console screenshot is a PNG');
    assert.ok(png.length > 10_000, `the console screenshot has content (${png.length} bytes)`);
    assert.deepEqual(await seriousViolations(page), []);
  });

  it('shows the console history after a reload', async () => {
    await page.reload();
    const terminal = page.getByTestId('terminal');
    await shows(terminal, readyMarker);
    await shows(terminal.locator('.xterm-rows'), /\b42\b/);
  });

  it('shows the driver and VM logs on the instance page', async () => {
    await page.getByRole('tab', { name: 'Logs' }).click();
    const logs = page.getByRole('tabpanel', { name: 'Logs' });
    await shows(logs, `driver ${driver}`);
    if (driver === 'qemu') await shows(logs.getByRole('region', { name: 'Log serial.log' }), readyMarker);
    assert.deepEqual(await seriousViolations(page), []);
    await page.getByRole('tab', { name: 'Console' }).click();
  });

  it('follows an instance another engine (as the CLI would be) creates and starts, without a reload', async () => {
    await page.getByRole('button', { name: '← All instances' }).click();
    // A second engine on the same CORRAL_HOME: its changes reach the page only through the
    // serving engine's watch on the store, as a `corral start` from a terminal would.
    const other = new Engine({ home: engine.paths.home, cache: engine.paths.cache, extraDrivers: [{ name: 'console-fixture', entry: path.join(repoRoot, 'e2e/ui/fixtures/console-driver.ts') }] });
    try {
      await other.create('direct1', { template: otherTemplate });
      await shows(page.getByTestId('status-direct1'), 'Stopped');
      const running = timeOf(shows(page.getByTestId('status-direct1'), 'Running'));
      await other.start('direct1');
      const started = performance.now();
      assert.ok((await running) - started < liveBoundMs, `Running showed ${Math.round((await running) - started)} ms after the other engine's start returned`);
      await other.stop('direct1');
      await shows(page.getByTestId('status-direct1'), 'Stopped');
    } finally {
      await other.close();
    }
  });

  it('shows what the CLI does within a second, without a reload: a create in the list, a start as Running', { timeout: bootTimeout + 60_000 }, async (t) => {
    // The CLI's engine has the installed drivers only; the console fixture is not one of them.
    if (driver !== 'qemu') return t.skip('the CLI runs only installed drivers, and QEMU cannot run here (the console fixture is in-process only)');
    const home = engine.paths.home;
    const listed = timeOf(page.locator('tr[data-instance="cli1"]').waitFor({ timeout: bootTimeout }));
    const created = await corralCli(home, ['create', 'cli1', '--template', template, '--driver', 'qemu'], /^Created cli1 /m);
    const listedAfter = (await listed) - created;
    assert.ok(listedAfter < liveBoundMs, `cli1 was listed ${Math.round(listedAfter)} ms after \`corral create\` printed Created`);
    await shows(page.getByTestId('status-cli1'), 'Stopped');

    const running = timeOf(page.locator('[data-testid="status-cli1"][data-state="Running"]').waitFor({ timeout: bootTimeout }));
    const started = await corralCli(home, ['start', 'cli1', '--no-wait'], /^Started cli1 /m);
    const runningAfter = (await running) - started;
    assert.ok(runningAfter < liveBoundMs, `cli1 showed Running ${Math.round(runningAfter)} ms after \`corral start\` printed Started`);

    t.diagnostic(`after the CLI printed: listed in ${Math.round(listedAfter)} ms, Running in ${Math.round(runningAfter)} ms`);
    await corralCli(home, ['delete', '--force', 'cli1'], /^Deleted cli1/m);
    await page.locator('tr[data-instance="cli1"]').waitFor({ state: 'detached' });
  });

  it('stops and deletes from the list, deleting only after confirmation', { timeout: 120_000 }, async () => {
    await page.getByRole('button', { name: 'Stop web1', exact: true }).click();
    await shows(page.getByTestId('status-web1'), 'Stopped', 90_000);
    const askDelete = async (): Promise<void> => {
      await page.getByRole('button', { name: 'More actions for web1' }).click();
      await page.getByRole('menu', { name: 'More actions for web1' }).getByRole('menuitem', { name: 'Delete…' }).click();
    };
    await askDelete();
    const confirm = page.getByRole('dialog', { name: 'Delete web1?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('tr[data-instance="web1"]').count(), 1);
    await askDelete();
    await confirm.getByRole('button', { name: 'Delete web1' }).click();
    await page.locator('tr[data-instance="web1"]').waitFor({ state: 'detached' });
    assert.deepEqual((await engine.list()).map((i) => i.name), ['direct1']);
  });

  it('logged no page errors (CSP violations included)', () => {
    assert.deepEqual(pageErrors, []);
  });
});
