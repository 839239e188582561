// The guest's boot in the UI: a guest that has said nothing yet reads "Starting (booting)", the
// instance page says why, and New terminal is off until SSH lets Corral in (sshSince), then on
// whatever the boot script's phase (off, saying why, when the boot timed out without a login); the badge says "Starting
// (provisioning 2/3)" while it provisions, not Running; on the instance page the template's message once ready, and (after a restart) a
// failed script with its last lines one click away. The statuses are the host agent's file (guest-status.json),
// written here as the agent would for this boot (the agent itself is tested against the real
// guest in e2e/real-guest-provision.test.ts). The page learns of a change from the engine's
// pushed events (guest-status, ports-changed), not by asking again: the API requests it makes are
// counted, and none may come between a file's change and the page showing it; a restart asks for
// the ports once, as the VM runs again, not at each state on the way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { readBootId, writeGuestStatus } from '../../src-main/core/guest/status.ts';
import { writePortsFile } from '../../src-main/core/guest/ports-file.ts';
import type { GuestStatus } from '../../src-main/core/guest/status.ts';
import { repoRoot, writeTemplate } from '../support/temp.ts';
import { openScriptedShell, shows, sshScriptedDriver } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

const resultsDir = path.join(repoRoot, 'test-results');

async function keepScreenshot(page: Page, name: string): Promise<void> {
  await fs.mkdir(resultsDir, { recursive: true });
  await page.screenshot({ path: path.join(resultsDir, name), fullPage: true });
}

describe('guest status in the UI', () => {
  let shell: ScriptedShell;
  let dir: string;
  /** When SSH first let the agent in, as it records it. */
  const sshSince = new Date().toISOString();
  /** The page's API calls (POST /api/METHOD), by method, in order. */
  const apiCalls: string[] = [];

  /** Runs `change`, then waits for `shown`; fails if the page called the API in between. */
  async function showsWithoutAsking(change: () => Promise<void>, shown: () => Promise<void>): Promise<void> {
    const before = apiCalls.length;
    await change();
    await shown();
    assert.deepEqual(apiCalls.slice(before), [], 'the page learnt of the change without asking the engine');
  }

  /** What the host agent writes, for the boot the engine started. */
  async function guestSays(status: Omit<GuestStatus, 'bootId' | 'updatedAt'>): Promise<void> {
    const bootId = await readBootId(dir);
    assert.ok(bootId, 'the start recorded its boot');
    await writeGuestStatus(dir, { bootId, ...status, updatedAt: new Date().toISOString() });
  }

  before(async () => {
    // A driver that declares ssh: the engine records the boot and starts its host agent.
    shell = await openScriptedShell({ drivers: [sshScriptedDriver] });
    const template = await writeTemplate(shell.root, { vmType: 'booting', cpus: 1, memory: '256MiB', disk: '1GiB', message: 'Welcome to g1: open http://localhost:8080' });
    await shell.engine.create('g1', { template });
    await shell.engine.start('g1');
    dir = shell.engine.store.dir('g1');
    shell.page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) apiCalls.push(url.pathname.slice('/api/'.length));
    });
  });

  after(async () => {
    // Through the engine: the delete ends the host agent before the folder goes.
    await shell?.engine.delete('g1', { force: true }).catch(() => undefined);
    await shell?.close();
  });

  it('a guest that has said nothing yet: Starting (booting), why on its page, and no terminal until SSH lets Corral in', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.locator('[data-testid="status-g1"][data-state="Running"]').waitFor();
    await shows(page.getByTestId('status-g1'), 'Starting (booting)');
    await page.getByRole('link', { name: 'g1' }).click();
    await shows(page.getByTestId('guest-silent'), 'Corral has not heard from the guest yet');
    // The SSH address is known from the first second; that it does not answer yet is said beside it.
    await shows(page.getByTestId('ssh-not-yet'), 'Answers once the guest is up');
    await page.getByRole('tab', { name: 'Terminal' }).click();
    const open = page.getByRole('button', { name: 'New terminal' });
    assert.equal(await open.isDisabled(), true, 'New terminal is off while SSH has not let Corral in');
    await shows(page.locator('#terminal-unavailable'), 'Waiting for the guest’s SSH…');
    await keepScreenshot(page, 'terminal-waiting-ssh-light.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await keepScreenshot(page, 'terminal-waiting-ssh-dark-390.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    // SSH lets the agent in while the boot script has said nothing (or the guest has none): the button turns on by itself.
    await showsWithoutAsking(
      () => guestSays({ phase: 'booting', sshSince }),
      () => page.getByRole('button', { name: 'New terminal', disabled: false }).waitFor(),
    );
    assert.equal(await page.locator('#terminal-unavailable').count(), 0, 'and no reason is left');
    assert.equal(await page.getByTestId('status-g1').innerText(), 'Starting (booting)', 'the boot itself is not done');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await keepScreenshot(page, 'terminal-ssh-up-booting-dark-390.png');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('tab', { name: 'Overview' }).click();
    await shows(page.getByTestId('guest-silent'), 'The guest answers over SSH');
    assert.equal(await page.getByTestId('ssh-not-yet').count(), 0, 'nor is the wait beside the SSH address');
    await keepScreenshot(page, 'guest-ssh-up-booting-light.png');
    await page.getByRole('tab', { name: 'Terminal' }).click();
    // The boot script's first step keeps it on.
    await showsWithoutAsking(
      () => guestSays({ phase: 'provisioning', step: { index: 1, total: 3, name: 'provision-00-system' }, sshSince }),
      () => shows(page.getByTestId('status-g1'), 'Starting (provisioning 1/3)'),
    );
    assert.equal(await open.isDisabled(), false, 'New terminal stays on as the boot goes on');
    await page.getByRole('button', { name: '← All instances' }).click();
  });

  it('says the boot in the badge instead of Running, and follows it without a reload', async () => {
    const { page } = shell;
    await page.locator('[data-testid="status-g1"][data-state="Running"]').waitFor();
    await showsWithoutAsking(
      () => guestSays({ phase: 'provisioning', step: { index: 2, total: 3, name: 'provision-01-system' }, sshSince }),
      () => shows(page.getByTestId('status-g1'), 'Starting (provisioning 2/3)'),
    );
    assert.equal(await page.getByTestId('status-g1').innerText(), 'Starting (provisioning 2/3)', 'the badge says no Running');
    await keepScreenshot(page, 'guest-provisioning-light.png');
  });

  it('shows the template\'s message once ready, and no "Starting" any more', async () => {
    const { page } = shell;
    await guestSays({ phase: 'ready', sshSince });
    await page.getByRole('link', { name: 'g1' }).click();
    await shows(page.getByTestId('guest-message'), 'Welcome to g1: open http://localhost:8080');
    assert.equal(await page.getByTestId('guest-g1').count(), 0);
    assert.equal(await page.getByTestId('status-g1').innerText(), 'Running');
    await keepScreenshot(page, 'guest-ready-light.png');
  });

  it('lists a port as soon as the guest opens it, and drops it once closed, without asking again', async () => {
    const { page } = shell;
    await shows(page.locator('#ports-title').locator('..'), 'Ports of "g1" are forwarded once its guest is ready');
    // As the forwarder writes it; this test process stands in for the forwarder, so the list is live.
    const forward = { guestPort: 8080, hostIP: '127.0.0.1', hostPort: 18080, proto: 'tcp' as const, source: 'discovered' as const };
    await showsWithoutAsking(
      () => writePortsFile(dir, { pid: process.pid, forwards: [forward], problems: [] }),
      () => shows(page.getByTestId('port-link-18080'), 'http://127.0.0.1:18080/'),
    );
    await showsWithoutAsking(
      () => writePortsFile(dir, { pid: process.pid, forwards: [], problems: [] }),
      () => shows(page.locator('#ports-title').locator('..'), 'No ports forwarded'),
    );
  });

  it('after a restart, shows a failed script on the instance page, its last lines one click away', async () => {
    const { page } = shell;
    const before = apiCalls.length;
    // The last boot's forwarder wrote its record and has ended with that boot.
    const ended = spawn(process.execPath, ['-e', '']);
    await once(ended, 'exit');
    const forward = { guestPort: 8080, hostIP: '127.0.0.1', hostPort: 18080, proto: 'tcp' as const, source: 'discovered' as const };
    const lastBoot = await readBootId(dir);
    assert.ok(lastBoot, 'the last start recorded its boot');
    await writePortsFile(dir, { pid: ended.pid ?? 0, bootId: lastBoot, forwards: [forward], problems: [] });
    const portsAnswered = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/ports');
    await shell.engine.restart('g1'); // a new boot: booting again
    await shows(page.getByTestId('status-g1'), 'Starting (booting)');
    await portsAnswered;
    // While the new boot boots, its ports are to come: nothing stale, no call to restart what is restarting.
    const portsSection = page.locator('#ports-title').locator('..');
    await shows(portsSection, 'Ports of "g1" are forwarded once its guest is ready');
    assert.doesNotMatch(await portsSection.innerText(), /Stale|18080/);
    // Stopping, Stopped and Starting have no forwards: the list is asked for once, as the VM runs again.
    assert.deepEqual(apiCalls.slice(before).filter((method) => method === 'ports'), ['ports'], 'one ports request in a restart');
    await guestSays({ phase: 'failed', sshSince, failure: { script: 'provision[1] (mode system)', exitStatus: 3, lastLines: ['installing things', 'E: no network, failing on purpose'] } });
    await shows(page.getByTestId('guest-g1'), 'Provisioning failed');
    await shows(page.locator('.notices [role="alert"]'), 'Provisioning g1 failed'); // the app's notification
    const failure = page.getByTestId('guest-failure');
    await shows(failure, 'Provisioning failed: provision[1] (mode system) exited with status 3');
    const output = failure.locator('pre');
    assert.equal(await output.isVisible(), false, 'the output is folded until asked for');
    await failure.locator('summary').click();
    assert.equal(await output.textContent(), 'installing things\nE: no network, failing on purpose');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await keepScreenshot(page, 'guest-failed-dark-390.png');
    const box = await output.boundingBox();
    assert.ok(box && box.x + box.width <= 390, 'the output fits a narrow window');
  });

  it('after another restart, a boot that timed out without an SSH login: no terminal, and why', async () => {
    const { page } = shell;
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });
    await shell.engine.restart('g1');
    await shows(page.getByTestId('status-g1'), 'Starting (booting)');
    // SSH let an earlier boot's agent in: that says nothing of this boot.
    await guestSays({ phase: 'timeout', message: 'no SSH login to corral@127.0.0.1 within 10 min (no answer)' });
    await shows(page.getByTestId('guest-g1'), 'Not ready: timed out');
    // The app's notification says what happened to this boot, not the last one's "failed".
    await shows(page.locator('.notices [role="alert"]'), 'g1 did not become ready in time');
    await page.getByRole('tab', { name: 'Terminal' }).click();
    await shows(page.locator('#terminal-unavailable'), 'Corral could not log in over SSH before this boot timed out');
    assert.equal(await page.getByRole('button', { name: 'New terminal' }).isDisabled(), true);
    await keepScreenshot(page, 'terminal-ssh-timeout-light.png');
  });

  it('logged no page errors', () => {
    assert.deepEqual(shell.pageErrors, []);
  });
});
