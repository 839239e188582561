// The page checks what the engine answers against the method table's result schemas
// (src-main/api/methods.ts) as it arrives: an answer out of contract, here the real server's
// answer rewritten on its way to the page (as an engine of another version might send it),
// is one clear error in the view, not a broken list.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeTemplate } from '../support/temp.ts';
import { openScriptedShell, shows } from './scripted-shell.ts';
import type { ScriptedShell } from './scripted-shell.ts';

describe('API results in the page', () => {
  let shell: ScriptedShell;

  before(async () => {
    shell = await openScriptedShell();
    const template = await writeTemplate(shell.root, { vmType: 'scripted', cpus: 1, memory: '256MiB', disk: '1GiB' });
    await shell.engine.create('checked', { template });
  });

  after(async () => {
    await shell?.close();
  });

  it('shows a well-formed answer', { timeout: 60_000 }, async () => {
    const { page, server } = shell;
    await page.goto(server.url);
    await shows(page.getByTestId('status-checked'), 'Stopped');
  });

  it('refuses an answer out of contract with one clear error', { timeout: 60_000 }, async () => {
    const { page, server } = shell;
    await page.route('**/api/listInstances', async (route) => {
      const response = await route.fetch();
      const reply = (await response.json()) as { ok: boolean; value: Record<string, unknown>[] };
      assert.equal(reply.value[0]?.name, 'checked', 'the real server answered');
      // A state this page has never heard of, and the CPU count as text.
      const value = reply.value.map((instance) => ({ ...instance, state: 'Levitating', cpus: 'two' }));
      await route.fulfill({ response, json: { ok: true, value } });
    });
    await page.goto(server.url);
    const alert = page.getByRole('alert').filter({ hasText: 'Could not list instances' });
    await shows(alert, /answered listInstances with something this page does not understand .* at 0\.state\)/);
    assert.equal(await page.getByTestId('status-checked').count(), 0, 'no row drawn from the bad answer');
    await page.unroute('**/api/listInstances');
  });

  it('refuses an answer that is not the API’s envelope', { timeout: 60_000 }, async () => {
    const { page, server } = shell;
    // The bare list, as if an older server answered without {ok, value}.
    await page.route('**/api/listInstances', async (route) => {
      const response = await route.fetch();
      const reply = (await response.json()) as { value: unknown };
      await route.fulfill({ response, json: reply.value });
    });
    await page.goto(server.url);
    const alert = page.getByRole('alert').filter({ hasText: 'Could not list instances' });
    await shows(alert, /answered listInstances with something this page does not understand/);
    await page.unroute('**/api/listInstances');
    await page.reload();
    await shows(page.getByTestId('status-checked'), 'Stopped');
  });
});
