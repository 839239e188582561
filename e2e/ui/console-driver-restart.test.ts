// The console view while its driver restarts. After repeated crashes the driver host waits
// before starting the driver again (the backoff, up to 10 s); the VM runs on meanwhile. The
// view says the driver is restarting and when it retries, then attaches again by itself, and
// typing reaches the guest as before. The console fixture driver stands in for a guest.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { repoRoot, writeTemplate } from '../support/temp.ts';
import { consoleDriver, openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

const resultsDir = path.join(repoRoot, 'test-results');

/** Keeps what the user saw, for a person to look at (test-results/ is listed by .ci/run). */
async function keepScreenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, name) });
}

describe('console view: driver restarts', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell({ drivers: [consoleDriver] });
    const template = await writeTemplate(shell.root, { vmType: 'console-fixture', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('r1', { template });
    await shell.engine.start('r1');
  });

  after(async () => {
    await shell?.close();
  });

  it('says the driver is restarting, with the wait, and reattaches by itself when it is back', async () => {
    const { page, engine } = shell;
    const host = engine.drivers.host('console-fixture');
    // Three quick crashes (250 ms, 500 ms, 1 s of backoff): after a fourth, the wait is 2 s, long enough to read.
    for (let i = 0; i < 3; i++) {
      await host.kill();
      await host.pid(); // waits out the backoff, then starts a fresh driver process
    }
    await page.goto(shell.server.url);
    await page.getByRole('link', { name: 'r1' }).click();
    await page.getByRole('tab', { name: 'Console' }).click();
    const status = page.getByRole('status').filter({ hasText: /console|driver/i });
    await shows(status, 'Serial console attached');
    assert.equal(host.nextStartDelayMs, 1000);
    await host.kill();
    await shows(status, /The driver is restarting; retrying in [12] s/);
    await keepScreenshot(page, 'console-driver-restarting.png');
    await shows(status, 'Serial console attached', 20_000);
    // Once more, dark and narrow (the next wait is 2 s): the message still reads.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 800 });
    await host.kill();
    await shows(status, /The driver is restarting; retrying in [1-2] s/);
    await keepScreenshot(page, 'console-driver-restarting-dark-390.png');
    await shows(status, 'Serial console attached', 20_000);
    await page.getByTestId('terminal').click();
    await page.keyboard.type('echo back-$((6*7))\n');
    await shows(page.getByTestId('terminal'), 'back-42');
    assert.equal(await page.getByRole('button', { name: 'Reattach' }).count(), 0);
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
