// A sandboxed driver gets its own CORRAL_NAME_* settings from the engine's environment, and
// nothing else of it (no other driver's settings, no tokens, no proxies).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { driverSettings } from './spawn.ts';

test('a driver sees only its own CORRAL_NAME_* settings', () => {
  const env = { CORRAL_LIBVIRT_URI: 'qemu+ssh://h/system', CORRAL_LIBVIRT_ACCEL: 'tcg', CORRAL_MY_DRIVER_X: '1', CORRAL_HOME: '/h', HTTPS_PROXY: 'p', SECRET_TOKEN: 't' };
  assert.deepEqual(driverSettings('libvirt', env), { CORRAL_LIBVIRT_URI: 'qemu+ssh://h/system', CORRAL_LIBVIRT_ACCEL: 'tcg' });
  assert.deepEqual(driverSettings('my-driver', env), { CORRAL_MY_DRIVER_X: '1' });
  assert.deepEqual(driverSettings('qemu', env), {});
});
