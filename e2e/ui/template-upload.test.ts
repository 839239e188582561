// "From file…" in the web shell uploads the chosen lima.yaml to the engine (a browser tab cannot
// name a file on the engine's computer): through Chromium's file chooser, as a user picks one,
// into `corral serve`. A good file is kept and creates; too big, not a template, or naming its
// image relative to itself is said on the field, and nothing is kept from it. A dialog still
// showing an upload holds it from prune for as long as it is open, past the hour of grace.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import { runToEnd } from '../support/processes.ts';
import { corralBin } from '../support/serve.ts';
import { writeTemplate } from '../support/temp.ts';

/** How often the dialog renews its hold (leaseRenewMs in src-renderer/features/create/upload-lease.ts, which needs a page to load). */
const leaseRenewMs = 3 * 60_000;
import { screens } from './screens.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

describe('template upload in the web shell', () => {
  let shell: ScriptedShell;
  let dialog: Locator;
  let uploads: string;

  /** Picks `file` through the "Upload file…" button's file chooser. */
  async function upload(file: string): Promise<void> {
    const [chooser] = await Promise.all([shell.page.waitForEvent('filechooser'), dialog.getByRole('button', { name: 'Upload file…' }).click()]);
    await chooser.setFiles(file);
  }

  const kept = async (): Promise<string[]> => (await fs.readdir(uploads).catch(() => [])).sort();

  before(async () => {
    shell = await openScriptedShell({ context: { viewport: { width: 1280, height: 800 } } });
    uploads = path.join(shell.engine.paths.home, 'uploads', 'templates');
    await shell.page.goto(shell.server.url);
    await shell.page.getByRole('button', { name: 'New instance…' }).click();
    dialog = shell.page.getByRole('dialog', { name: 'New instance' });
    await dialog.locator('[data-template="debian"]').waitFor(); // the catalog has answered
    await dialog.getByRole('radio', { name: 'From file…' }).check();
  });

  after(async () => {
    await shell?.close();
  });

  it('refuses a file over 256 KiB on the field, sending nothing', async () => {
    const big = path.join(shell.root, 'big.yaml');
    await fs.writeFile(big, `# ${'x'.repeat(300 * 1024)}\nimages: []\n`);
    await upload(big);
    await shows(dialog, 'big.yaml is over 256 KiB; a lima.yaml is a few KiB, so check that this is the right file.');
    assert.deepEqual(await kept(), []);
  });

  it('says why a file that is not a template cannot be used, keeping nothing', async () => {
    const bad = path.join(shell.root, 'bad.yaml');
    await fs.writeFile(bad, 'images: 5\n');
    await upload(bad);
    await shows(dialog, /This template cannot be used: .*images/);
    assert.equal(await dialog.getByLabel('Template file (lima.yaml path)').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await kept(), []);
  });

  it('refuses a template naming its image relative to itself, which an upload cannot bring', async () => {
    const relative = path.join(shell.root, 'relative.yaml');
    await fs.writeFile(relative, 'images:\n  - location: "disk.img"\nvmType: scripted\n');
    await upload(relative);
    await shows(dialog, 'relative.yaml names its file "disk.img" relative to where the template was');
    assert.deepEqual(await kept(), []);
  });

  it('uploads a good template: its facts show, the path is the engine’s copy, and it creates', async () => {
    const folder = path.join(shell.root, 'mine');
    await fs.mkdir(folder);
    const template = await writeTemplate(folder, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await upload(template);
    await shows(dialog, 'Linux · x86_64 · 1 CPU · 256 MiB memory · 1 GiB disk');
    const stored = await dialog.getByLabel('Template file (lima.yaml path)').inputValue();
    assert.ok(stored.startsWith(uploads + path.sep) && stored.endsWith('template.yaml'), `the engine's copy: ${stored}`);
    assert.equal(await fs.readFile(stored, 'utf8'), await fs.readFile(template, 'utf8'));
    assert.equal((await kept()).length, 1);
    await dialog.getByLabel('Name').fill('uploaded');
    await screens(shell.page, 'create-upload');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await shows(shell.page.getByTestId('status-uploaded'), 'Stopped');
    assert.equal((await shell.engine.inspect('uploaded')).cpus, 1);
  });

  it('holds an upload its open dialog shows: past the hour, a prune from the CLI keeps it and Create works; one no dialog holds goes', { timeout: 60_000 }, async () => {
    const page = shell.page;
    await page.getByRole('button', { name: 'New instance…' }).click();
    await dialog.locator('[data-template="debian"]').waitFor();
    await dialog.getByRole('radio', { name: 'From file…' }).check();
    const folder = path.join(shell.root, 'held');
    await fs.mkdir(folder);
    const template = await writeTemplate(folder, { vmType: 'scripted', cpus: 2, memory: '256MiB', disk: '1GiB' });
    const holdAnswered = () => page.waitForResponse((r) => new URL(r.url()).pathname === '/api/holdUpload' && r.ok());
    await page.clock.install(); // the page's timers, so that its renewals can be brought forward
    const held = holdAnswered();
    await upload(template);
    await held;
    // The dialog renews its lease while open: a few minutes on, it holds the upload again.
    const renewed = holdAnswered();
    await page.clock.runFor(leaseRenewMs);
    await renewed;
    const stored = await dialog.getByLabel('Template file (lima.yaml path)').inputValue();
    const earlier = (await kept()).map((digest) => path.join(uploads, digest)).filter((dir) => !stored.startsWith(dir + path.sep));
    assert.equal(earlier.length, 1, 'the upload the last case created from, which no dialog shows now');
    // Both uploads past the hour of grace; the earlier one's dialog closed longer ago than its lease.
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const file of [stored, ...(await Promise.all(earlier.map(async (dir) => path.join(dir, (await fs.readdir(dir))[0] ?? ''))))]) await fs.utimes(file, hoursAgo, hoursAgo);
    const leases = path.join(shell.engine.paths.home, 'uploads', 'leases');
    for (const dir of earlier) await fs.utimes(path.join(leases, path.basename(dir)), hoursAgo, hoursAgo);

    const env = { ...process.env, CORRAL_CACHE: shell.engine.paths.cache };
    const pruned = await runToEnd(process.execPath, [corralBin, '--home', shell.engine.paths.home, 'cache', 'prune'], { env });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /^Removed 1 entries .*, 1 uploaded in the last hour or open in a create dialog\.$/m);
    assert.deepEqual(await kept(), [path.basename(path.dirname(stored))], 'the held upload stays; the other goes');
    const listed = (await shell.engine.listCache()).find((entry) => entry.path === stored);
    assert.equal(listed?.keptBecause, 'held', 'the Cache view says a create dialog is using it, not that it is new');

    await dialog.getByLabel('Name').fill('held');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await shows(page.getByTestId('status-held'), 'Stopped');
    assert.equal((await shell.engine.inspect('held')).cpus, 2);
  });

  it('holds only a file in the uploads folder, saying so in one line', async () => {
    const hold = async (file: string) => {
      const response = await fetch(new URL('/api/holdUpload', shell.server.url), {
        method: 'POST', headers: { authorization: `Bearer ${shell.server.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ path: file }),
      });
      return (await response.json()) as { ok: boolean; error?: { code: string; message: string } };
    };
    const [digest] = await kept();
    for (const file of ['/etc/passwd', path.join(uploads, digest ?? '', '..', '..', 'x.yaml'), path.join(uploads, 'not-a-digest', 'a.yaml')]) {
      const answer = await hold(file);
      assert.equal(answer.error?.code, 'INVALID_CONFIG', file);
      assert.equal(answer.error?.message, `${file} is not a template upload; only a file uploaded from the create dialog can be held`);
    }
    assert.match((await hold('relative.yaml')).error?.message ?? '', /^bad request \(field "path"\)/);
    assert.equal((await hold(path.join(uploads, 'a'.repeat(32), 'gone.yaml'))).error?.code, 'NOT_FOUND');
    await assert.rejects(fs.stat(path.join(shell.engine.paths.home, 'uploads', 'leases', 'a'.repeat(32))), { code: 'ENOENT' }, 'no lease for a file that is not there');
  });

  it('answers an over-limit upload with 413 and a plain message, and no upload without the token', async () => {
    const address = `http://127.0.0.1:${shell.server.port}/upload/template?name=big.yaml`;
    const big = Buffer.alloc(300 * 1024, 'x');
    const refused = await fetch(address, { method: 'POST', body: big, headers: { Authorization: `Bearer ${shell.server.token}` } });
    assert.equal(refused.status, 413);
    const body = await refused.json() as { error: { message: string } };
    assert.match(body.error.message, /over 256 KiB/);
    const anonymous = await fetch(address, { method: 'POST', body: 'images: []\n' });
    assert.equal(anonymous.status, 401);
    assert.equal((await kept()).length, 1);
  });

  it('logged no page errors but the refused uploads’ answers', () => {
    assert.deepEqual(shell.pageErrors.filter((e) => !/^Failed to load resource: .* 400/.test(e)), []);
  });
});
