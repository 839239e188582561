// The bridge's `notify` through the real IPC router (plain objects for Electron's frame and
// contents): a checked request reaches the function that shows Electron's Notification; a
// malformed one or one from another frame does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DesktopNotification } from '../api/bridge.ts';
import type { CorralApi } from '../api/contract.ts';
import { createIpcRouter } from './router.ts';
import { appEntryUrl } from './security.ts';

const contents = { id: 1, send: () => undefined, isDestroyed: () => false, once: () => undefined };

test('notify shows a checked notification, and only from the app window', async () => {
  const shown: DesktopNotification[] = [];
  const router = createIpcRouter({} as CorralApi, () => undefined, (n) => void shown.push(n));
  const app = { url: appEntryUrl, parent: null };
  assert.deepEqual(await router.invoke(app, contents, { method: 'notify', payload: { title: 'web stopped unexpectedly', body: 'the guest shut down' } }), { ok: true, value: null });
  assert.deepEqual(shown, [{ title: 'web stopped unexpectedly', body: 'the guest shut down' }]);

  const bad = await router.invoke(app, contents, { method: 'notify', payload: { title: '', body: 'x', icon: '/etc/passwd' } });
  assert.equal(bad.ok, false);
  const foreign = await router.invoke({ url: 'https://evil.example/', parent: null }, contents, { method: 'notify', payload: { title: 't', body: '' } });
  assert.equal(foreign.ok, false);
  assert.equal(shown.length, 1);
});
