import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driverLogEntriesOf } from './driver-log-entries.ts';
import { driverLogEntry } from '../drivers/driver-log.ts';

const log = [
  'node: a warning the driver process printed before any entry',
  '2026-12-07T01:13:29.119Z [info] web: starting /usr/bin/qemu-system-x86_64 -name web',
  '2026-12-07T01:13:30.000Z [error] db: QEMU failed to start',
  '    at launch (launch.ts:37)',
  '2026-12-07T01:13:31.000Z [info] driver ready',
  '2026-12-07T01:13:32.000Z [warn] web: did not power off; ending the VM',
  '2026-12-07T01:13:33.000Z [info] gone: stopped',
  '',
].join('\n');

describe('the driver log of one instance', () => {
  it("keeps this instance's entries and the driver's own, not another instance's, with their continuation lines", () => {
    assert.equal(driverLogEntriesOf(log, 'web', new Set(['web', 'db'])), [
      'node: a warning the driver process printed before any entry',
      '2026-12-07T01:13:29.119Z [info] web: starting /usr/bin/qemu-system-x86_64 -name web',
      '2026-12-07T01:13:31.000Z [info] driver ready',
      '2026-12-07T01:13:32.000Z [warn] web: did not power off; ending the VM',
      // "gone" is no instance now (deleted): its entries are shown, as nothing else would show them.
      '2026-12-07T01:13:33.000Z [info] gone: stopped',
      '',
    ].join('\n'));
  });

  it("gives the other instance its failure and stack trace, and none of web's entries", () => {
    const text = driverLogEntriesOf(log, 'db', new Set(['web', 'db']));
    assert.match(text, /db: QEMU failed to start\n {4}at launch/);
    assert.doesNotMatch(text, /web:/);
  });

  it('reads entries as the driver host writes them', () => {
    const written = [
      driverLogEntry('info', 'web: starting qemu'),
      driverLogEntry('error', 'db: QEMU failed to start'),
      driverLogEntry('warn', 'libvirt event listener ended; listening again'),
    ].join('');
    assert.equal(driverLogEntriesOf(written, 'web', new Set(['web', 'db'])).match(/\] .*/g)?.join('|'),
      '] web: starting qemu|] libvirt event listener ended; listening again');
  });
});
