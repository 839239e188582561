// The renderer's rule for which lifecycle buttons are on: by the instance's status and by
// what its driver can do, with the reason a user sees when one is off. No DOM needed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DriverInfo } from '../../src-main/api/contract.ts';
import { actionAvailability, actionSpec, capabilitiesOf, onlyDeletable, primaryAction } from '../../src-renderer/features/instances/actions.ts';

type Capabilities = NonNullable<DriverInfo['capabilities']>;
const base: Capabilities = { pause: true, snapshots: false, display: [], console: [], imageFormats: ['raw'], accelerators: ['none'], ssh: false, mounts: [], stats: false };
const cannotPause: Capabilities = { ...base, pause: false };

describe('actionAvailability', () => {
  it('allows pause on a running instance whose driver can pause', () => {
    assert.deepEqual(actionAvailability('pause', { state: 'Running', driver: 'qemu' }, base), { enabled: true });
    assert.deepEqual(actionAvailability('resume', { state: 'Paused', driver: 'qemu' }, base), { enabled: true });
  });

  it('turns pause and resume off when the driver cannot pause, saying so', () => {
    assert.deepEqual(actionAvailability('pause', { state: 'Running', driver: 'vz' }, cannotPause), { enabled: false, reason: 'the vz driver cannot pause' });
    assert.deepEqual(actionAvailability('resume', { state: 'Paused', driver: 'vz' }, cannotPause), { enabled: false, reason: 'the vz driver cannot pause' });
  });

  it('keeps the other actions to the status alone, whatever the driver cannot do', () => {
    assert.deepEqual(actionAvailability('stop', { state: 'Running', driver: 'vz' }, cannotPause), { enabled: true });
    assert.deepEqual(actionAvailability('start', { state: 'Stopped', driver: 'vz' }, cannotPause), { enabled: true });
    assert.deepEqual(actionAvailability('start', { state: 'Running', driver: 'qemu' }, base), { enabled: false, reason: 'not while the instance is running' });
    assert.deepEqual(actionAvailability('pause', { state: 'Stopped', driver: 'qemu' }, base), { enabled: false, reason: 'not while the instance is stopped' });
  });

  it('turns pause off for a driver that cannot answer, and does not block while the drivers load', () => {
    assert.deepEqual(actionAvailability('pause', { state: 'Running', driver: 'gone' }, null), { enabled: false, reason: 'the gone driver is not available, so it cannot pause' });
    assert.deepEqual(actionAvailability('pause', { state: 'Running', driver: 'qemu' }, undefined), { enabled: true });
  });
});

describe('clone, rename, edit and restart', () => {
  it('are refused while the VM runs, in the engine\'s words', () => {
    assert.deepEqual(actionAvailability('rename', { state: 'Running', driver: 'qemu' }, base), { enabled: false, reason: 'it is running; stop it before renaming it' });
    assert.deepEqual(actionAvailability('clone', { state: 'Paused', driver: 'qemu' }, base), { enabled: false, reason: 'it is paused; stop it before cloning it' });
    assert.deepEqual(actionAvailability('edit', { state: 'Starting', driver: 'qemu' }, base), { enabled: false, reason: 'it is starting; stop it before editing it' });
    assert.deepEqual(actionAvailability('edit', { state: 'Stopped', driver: 'qemu' }, base), { enabled: true });
  });

  it('restart a running or paused VM; a stopped one is started instead', () => {
    assert.deepEqual(actionAvailability('restart', { state: 'Running', driver: 'qemu' }, base), { enabled: true });
    assert.deepEqual(actionAvailability('restart', { state: 'Paused', driver: 'qemu' }, base), { enabled: true });
    assert.deepEqual(actionAvailability('restart', { state: 'Stopped', driver: 'qemu' }, base), { enabled: false, reason: 'it is stopped; use Start' });
  });

  it('leave the row one button for the state: Start, Stop, Resume, Force stop while one hangs, none when Broken', () => {
    assert.deepEqual((['Stopped', 'Running', 'Paused', 'Starting', 'Stopping', 'Broken'] as const).map(primaryAction),
      ['start', 'stop', 'resume', 'force-stop', 'force-stop', undefined]);
  });
});

describe('a Broken instance', () => {
  // Its driver reported the fault (a hung QEMU, a panicked guest): only ending the VM recovers it.
  it('can be force stopped, restarted and deleted; the rest wait for a force stop, which it is told to do, not Stop', () => {
    for (const id of ['force-stop', 'restart', 'delete'] as const) assert.deepEqual(actionAvailability(id, { state: 'Broken', driver: 'qemu' }, base), { enabled: true }, id);
    for (const id of ['clone', 'rename', 'edit'] as const) {
      assert.deepEqual(actionAvailability(id, { state: 'Broken', driver: 'qemu' }, base), { enabled: false, reason: 'it is broken; force stop it first' }, id);
    }
  });

  it('can only be deleted when its driver cannot answer for it, and the rest say so', () => {
    const silent = { state: 'Broken', driver: 'qemu', driverUnreachable: true } as const;
    for (const id of ['force-stop', 'restart', 'clone', 'rename', 'edit'] as const) {
      assert.deepEqual(actionAvailability(id, silent, base), { enabled: false, reason: 'its driver cannot answer, so only Delete… can remove it' }, id);
    }
    assert.deepEqual(actionAvailability('delete', silent, base), { enabled: true });
  });

  it('asks before a restart, which ends it at once like Force stop…; a running one restarts at a click', () => {
    assert.deepEqual(actionSpec('restart', 'Broken'), { id: 'restart', label: 'Restart…', danger: true, asks: true, pendingHint: 'Stopping' });
    assert.deepEqual(actionSpec('restart', 'Running'), { id: 'restart', label: 'Restart', pendingHint: 'Stopping' });
  });

  it('can only be deleted when its lima.yaml cannot be read, or its driver is not known or cannot answer', () => {
    const broken = { state: 'Broken', driver: 'qemu' } as const;
    assert.equal(onlyDeletable({ ...broken, configProblem: 'lima.yaml:1: field "cpus"' }, base), true);
    assert.equal(onlyDeletable({ ...broken, driver: undefined }, null), true);
    assert.equal(onlyDeletable({ ...broken, driver: 'uninstalled' }, null), true, 'a driver that is not installed cannot force stop it');
    assert.equal(onlyDeletable({ ...broken, driverUnreachable: true }, base), true, 'an installed driver that cannot answer cannot force stop it either');
    assert.equal(onlyDeletable(broken, base), false, 'its driver reported it broken: Force stop… works');
    assert.equal(onlyDeletable(broken, undefined), false, 'the drivers are still being asked');
    assert.equal(onlyDeletable({ state: 'Stopped', driver: 'uninstalled' }, null), false);
  });
});

describe('capabilitiesOf', () => {
  const drivers: DriverInfo[] = [
    { name: 'qemu', version: '1', description: '', capabilities: base, available: { ok: true }, sandbox: { state: 'built-in' }, enabled: true },
  ];

  it('is undefined while loading, the driver’s capabilities once known, and null for a driver not listed', () => {
    assert.equal(capabilitiesOf(undefined, 'qemu'), undefined);
    assert.equal(capabilitiesOf(drivers, 'qemu'), base);
    assert.equal(capabilitiesOf(drivers, 'vz'), null);
  });
});
