// virsh's text output, as libvirt 9 prints it, read into Corral's terms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isActive, mapDomainState, parseDomstate, parseLifecycleEvent, parseSnapshotList } from './state.ts';

test('domstate --reason: state and reason, mapped to Corral states', () => {
  const cases: [string, string, string | undefined][] = [
    ['running (booted)\n\n', 'Running', undefined],
    ['running (from snapshot)', 'Running', undefined],
    ['paused (user)', 'Paused', undefined],
    ['paused (creating snapshot)', 'Running', 'taking a snapshot'],
    ['paused (I/O error)', 'Broken', 'the guest is paused after a disk I/O error (is the host disk full?)'],
    ['in shutdown (user)', 'Stopping', undefined],
    ['shut off (destroyed)', 'Stopped', undefined],
    ['shut off', 'Stopped', undefined],
    ['crashed (panicked)', 'Broken', 'the guest crashed (panicked); stop it with force'],
    ['pmsuspended (unknown)', 'Paused', 'the guest suspended itself (ACPI S3)'],
    ['something new (why)', 'Broken', 'libvirt reports the unexpected state "something new (why)"'],
  ];
  for (const [output, state, reason] of cases) {
    assert.deepEqual(mapDomainState(parseDomstate(output)), reason === undefined ? { state } : { state, reason }, output);
  }
  assert.deepEqual(parseDomstate('shut off (destroyed)'), { state: 'shut off', reason: 'destroyed' });
  assert.equal(isActive(parseDomstate('shut off (failed)')), false);
  assert.equal(isActive(parseDomstate('paused (starting up)')), true);
  assert.deepEqual(mapDomainState(parseDomstate('paused (starting up)'), true), { state: 'Starting' });
  assert.throws(() => parseDomstate('\n'), /printed nothing/);
});

test('snapshot-list: with or without the header, names with spaces, time zones', () => {
  const plain = ` Name   Creation Time               State
---------------------------------------------
 s1     2026-11-22 03:33:22 +0000   running
 with space   2026-11-22 03:33:24 +0130   shutoff
`;
  assert.deepEqual(parseSnapshotList(plain), [
    { name: 's1', createdAt: '2026-11-22T03:33:22.000Z', state: 'running' },
    { name: 'with space', createdAt: '2026-11-22T02:03:24.000Z', state: 'shutoff' },
  ]);
  assert.deepEqual(parseSnapshotList(' s2           2026-11-22 04:09:35 -0500   disk-snapshot\n'), [{ name: 's2', createdAt: '2026-11-22T09:09:35.000Z', state: 'disk-snapshot' }]);
  assert.deepEqual(parseSnapshotList(''), []);
});

test('lifecycle events of virsh event --loop', () => {
  assert.deepEqual(parseLifecycleEvent("event 'lifecycle' for domain 'corral-guest-1234abcd': Stopped Shutdown"), { domain: 'corral-guest-1234abcd', event: 'Stopped', detail: 'Shutdown' });
  assert.deepEqual(parseLifecycleEvent("2026-11-22 03:23:02.660+0000: event 'lifecycle' for domain 'x': Shutdown Finished after guest request\n"), { domain: 'x', event: 'Shutdown', detail: 'Finished after guest request' });
  assert.equal(parseLifecycleEvent('events received: 3'), undefined);
});
