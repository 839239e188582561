// A first-time user's walk through the web shell with a real distribution: the Debian 12 cloud
// test guest (e2e/fixtures/debian-guest, built once and cached), with a folder shared over
// virtiofs. Created from its template file in the New instance dialog, started from the list,
// watched from "Starting (booting)" to ready, then its Overview (live figures), Terminal (SSH,
// reading the shared folder, a web server whose port shows up under Ports), Snapshots (running,
// then stopped), Logs, Edit… and Clone…. The guest boots ONCE (1 to 6 minutes under TCG, by the
// machine's load); every check runs against that boot, in order. Each screen is kept at 1280x800
// and 390 px, light and dark, in test-results/realtour-*.png, with axe and sideways scrolling checked.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { debianGuest, writeDebianTemplate } from '../support/debian-guest.ts';
import { screens } from './screens.ts';
import { shows } from './scripted-shell.ts';
import { openWebShell } from './web-shell-fixture.ts';
import type { WebShell } from './web-shell-fixture.ts';

const name = 'deb';
const message = 'Welcome to deb: the host’s files are in /mnt/share.';
/** Lima's own limit for a guest to become reachable. */
const readyDeadlineMs = 10 * 60_000;
/** Where the guest's web server listens; the host agent forwards it to the same host port when free. */
const guestWebPort = 18_931;

/** Types a line into a terminal as a user would: focus it, then the keys. */
async function typeLine(page: Page, terminal: Locator, line: string): Promise<void> {
  await terminal.click();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

describe('a first-time user’s tour with a real Debian guest', () => {
  let shell: WebShell;
  let template: string;

  const badge = (): Locator => shell.page.getByTestId(`status-${name}`);
  const tab = (label: string): Promise<void> => shell.page.getByRole('tab', { name: label, exact: true }).click();

  before(async () => {
    const guestDir = await debianGuest('cloud');
    // The refused running snapshot is a 409 answer, which Chromium logs as a failed resource.
    shell = await openWebShell({ prefix: 'corral-realtour-', expectedConsoleErrors: /status of 409 \(Conflict\)/ });
    const share = path.join(shell.root, 'share');
    await fs.mkdir(share);
    await fs.writeFile(path.join(share, 'hello.txt'), 'hello from the host\n');
    template = await writeDebianTemplate(path.join(shell.root, 'deb.yaml'), guestDir, {
      mountType: 'virtiofs', mounts: [{ location: share, mountPoint: '/mnt/share' }], message,
    });
  });

  after(async () => {
    await shell?.close();
  });

  it('creates the guest from its template file in the New instance dialog', async () => {
    const { page } = shell;
    await page.goto(shell.server.url);
    await page.getByRole('button', { name: 'New instance…' }).click();
    const dialog = page.getByRole('dialog', { name: 'New instance' });
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByRole('radio', { name: 'From file…' }).check();
    await dialog.getByLabel('Template file (lima.yaml path)').fill(template);
    await dialog.getByLabel('Template file (lima.yaml path)').blur();
    // The template's own values fill the fields once the engine has read it.
    await shows(dialog, '1 CPU · 1 GiB memory · 4 GiB disk');
    assert.equal(await dialog.getByLabel('Memory').inputValue(), '1GiB');
    await screens(page, 'realtour-create');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.locator(`[data-testid="status-${name}"][data-state="Stopped"]`).waitFor();
  });

  it('starts from the list: Starting (booting) until the guest is ready, then Running and the template’s message', { timeout: readyDeadlineMs + 60_000 }, async () => {
    const { page } = shell;
    await page.getByRole('button', { name: `Start ${name}`, exact: true }).click();
    await shows(badge(), 'Starting (booting)', 60_000);
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await shows(page.getByTestId('guest-message'), message, readyDeadlineMs);
    assert.equal((await badge().innerText()).trim(), 'Running');
    await page.getByTestId('stats-memory-value').waitFor();
    // The folder the guest reads below, as the Overview lists it.
    await shows(page.getByRole('region', { name: 'Shared folders' }), /share → \/mnt\/share read-only, virtiofs/);
    await screens(page, 'realtour-overview');
  });

  it('says whose memory the Activity figure is: the VM’s process, more than the guest’s 1 GiB', async () => {
    // QEMU under TCG holds the guest's 1 GiB and its code cache: the figure reads 1.3 GiB or so.
    const memory = shell.page.getByTestId('stats-memory');
    await shows(memory.locator('.stats-scale'), 'the VM’s process, the guest’s 1 GiB included');
  });

  it('Terminal: a login shell reads the shared folder; a web server started there is listed under Ports and answers', async () => {
    const { page } = shell;
    await tab('Terminal');
    await page.getByRole('button', { name: 'New terminal' }).click();
    const terminal = page.getByRole('region', { name: /^Terminal 1:/ });
    const screen = terminal.locator('.xterm-rows');
    await shows(screen, new RegExp(`@${name}:~\\$`), 60_000);
    await typeLine(page, terminal, `cat /mnt/share/hello.txt; (python3 -m http.server ${guestWebPort} --directory /mnt/share >/dev/null 2>&1 &)`);
    // Printed by the guest from the host's file (the typed line does not hold these words).
    await shows(screen, 'hello from the host');
    await screens(page, 'realtour-terminal');
    await tab('Overview');
    const link = page.getByTestId(`port-link-${guestWebPort}`);
    await link.waitFor({ timeout: 60_000 });
    const response = await fetch(await link.getAttribute('href') ?? '');
    assert.match(await response.text(), /hello\.txt/, 'the forwarded port serves the guest’s listing of the shared folder');
    await screens(page, 'realtour-ports');
  });

  it('Snapshots: a running snapshot of a VM with virtiofs folders is refused in plain words', async () => {
    const { page } = shell;
    await tab('Snapshots');
    const section = page.getByRole('region', { name: 'Snapshots' });
    await section.getByRole('button', { name: 'Take snapshot' }).click();
    const alert = section.getByRole('alert');
    await alert.waitFor({ timeout: 120_000 });
    const said = await alert.innerText();
    assert.match(said, new RegExp(`${name} shares folders over virtiofs.*stop ${name}, then take the snapshot`, 's'));
    // QEMU's own words name a PCI address and a device type, nothing a user set.
    assert.doesNotMatch(said, /vhost-user|0000:|non-migratable/);
    await screens(page, 'realtour-snapshot-refused');
  });

  it('Restart goes down and up again; Stop during the boot stops it with no failure notice, and the Terminal says it is stopped', async () => {
    const { page } = shell;
    // Every error the notice bar shows from here on (a later message replaces the one before).
    await page.evaluate(`(() => {
      const region = document.querySelector('.notices [role="alert"]');
      const seen = globalThis.corralAlerts = [];
      new MutationObserver(() => { const text = region.textContent.trim(); if (text) seen.push(text); }).observe(region, { childList: true, subtree: true, characterData: true });
    })()`);
    await page.getByRole('button', { name: `Restart ${name}`, exact: true }).click();
    await page.locator(`[data-testid="status-${name}"][data-state="Stopping"]`).waitFor({ timeout: 60_000 });
    await shows(badge(), 'Starting (booting)', 120_000);
    await page.getByRole('button', { name: `Stop ${name}`, exact: true }).click();
    await page.locator(`[data-testid="status-${name}"][data-state="Stopped"]`).waitFor({ timeout: 180_000 });
    // Stopped mid-boot, the guest's boot script is killed and reported failed while the VM stops:
    // the user asked for that, so no "Provisioning deb failed" (the page hears of it before Stopped).
    const alerts = await page.evaluate('globalThis.corralAlerts') as string[];
    assert.deepEqual(alerts.filter((text) => /Provisioning|ready in time/.test(text)), [], 'no failure notice for a stop the user asked for');
    await tab('Terminal');
    await shows(page.locator('#terminal-unavailable'), 'it is stopped');
  });

  it('Snapshots of the stopped VM: its disk', async () => {
    const { page } = shell;
    await tab('Snapshots');
    const section = page.getByRole('region', { name: 'Snapshots' });
    await section.getByRole('button', { name: 'Take snapshot' }).click();
    await shows(section.locator('tr[data-snapshot="snapshot-1"]'), 'taken stopped', 60_000);
    await screens(page, 'realtour-snapshots');
  });

  it('Logs, Edit… and Clone… of the stopped VM', async () => {
    const { page } = shell;
    await tab('Logs');
    await shows(page.getByRole('region', { name: 'Log guest-boot.log' }), 'boot flow done');
    await screens(page, 'realtour-logs');
    // A stopped VM's page has Edit… and Clone… as buttons.
    await page.getByRole('button', { name: `Edit ${name}`, exact: true }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${name}` });
    await edit.waitFor();
    assert.equal(await edit.getByLabel('Memory').inputValue(), '1GiB');
    await screens(page, 'realtour-edit');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: `Clone ${name}`, exact: true }).click();
    await page.getByRole('dialog', { name: `Clone ${name}` }).waitFor();
    await screens(page, 'realtour-clone');
    await page.keyboard.press('Escape');
  });

  it('logged no page errors', () => {
    // The serial console replays the guest's boot log, where systemd puts '…' inside colour
    // sequences; xterm reports each as a parsing error.
    assert.deepEqual(shell.pageErrors.filter((line) => !line.startsWith('xterm.js: Parsing error:')), []);
  });
});
