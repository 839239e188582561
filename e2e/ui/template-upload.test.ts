// "From file…" in the web shell uploads the chosen lima.yaml to the engine (a browser tab cannot
// name a file on the engine's computer): through Chromium's file chooser, as a user picks one,
// into `corral serve`. A good file is kept and creates; too big, not a template, or naming its
// image relative to itself is said on the field, and nothing is kept from it.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator } from 'playwright-core';
import { writeTemplate } from '../support/temp.ts';
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
