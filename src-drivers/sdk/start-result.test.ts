// start()'s answer as the engine reads it: the pid is optional (a daemon's VM may have none on
// this host), and the 0 that drivers built before sent for "unknown" reads as no pid at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { driverMethods } from './protocol.ts';

const read = (raw: unknown) => driverMethods.start.result().safeParse(raw);

test('a start result without a pid is accepted, and one with a pid keeps it', () => {
  assert.deepEqual(read({ accelerator: 'tcg' }).data, { accelerator: 'tcg' });
  assert.deepEqual(read({ pid: 4242, accelerator: 'kvm' }).data, { pid: 4242, accelerator: 'kvm' });
});

test('a 0 pid from an older driver reads as no pid; a negative one is refused', () => {
  assert.deepEqual(read({ pid: 0, accelerator: 'tcg' }).data, { accelerator: 'tcg' });
  assert.equal(read({ pid: -1, accelerator: 'tcg' }).success, false);
});
