// The list's search, filters and sort, and the renderer's copy of the engine's size rule, without a page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instance } from '../../src-main/api/contract.ts';
import { parseSize } from '../../src-main/core/instances/sizes.ts';
import { emptyListView, visibleInstances } from '../../src-renderer/features/instances/list-view.ts';
import { sizeBytes } from '../../src-renderer/ui/size.ts';
import { applyRefusal, savedParts, snapshotSize } from '../../src-renderer/features/snapshots/snapshot-rules.ts';

const instance = (name: string, fields: Partial<Instance> = {}): Instance => ({
  name, state: 'Stopped', driver: 'qemu', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 1024 ** 3, ...fields,
});
const list = [instance('web10', { cpus: 2 }), instance('web9', { state: 'Running' }), instance('db', { driver: 'libvirt', cpus: 2 })];
const names = (view: Partial<typeof emptyListView>) => visibleInstances(list, { ...emptyListView, ...view }).map((i) => i.name);

describe('visibleInstances', () => {
  it('orders by name as people count (web9 before web10), and the other way', () => {
    assert.deepEqual(names({}), ['db', 'web9', 'web10']);
    assert.deepEqual(names({ descending: true }), ['web10', 'web9', 'db']);
  });

  it('searches names without regard to case, and filters by status and driver', () => {
    assert.deepEqual(names({ search: ' WEB ' }), ['web9', 'web10']);
    assert.deepEqual(names({ state: 'Running' }), ['web9']);
    assert.deepEqual(names({ driver: 'libvirt' }), ['db']);
    assert.deepEqual(names({ search: 'web', driver: 'libvirt' }), []);
  });

  it('sorts by a column with ties by name A to Z, whichever the direction', () => {
    assert.deepEqual(names({ sort: 'cpus' }), ['web9', 'db', 'web10']);
    assert.deepEqual(names({ sort: 'cpus', descending: true }), ['db', 'web10', 'web9']);
  });

  it('sorts a running VM whose lima.yaml was edited by what it runs with, the figure its cell shows first', () => {
    const gib = 1024 ** 3;
    // Runs with 1 CPU, 1 GiB and a 1 GiB disk; its file gives it 3 CPUs, 3 GiB and 3 GiB from its next start.
    const edited = instance('edited', { state: 'Running', cpus: 3, memoryBytes: 3 * gib, diskBytes: 3 * gib, startedWith: { cpus: 1, memoryBytes: gib, diskBytes: gib } });
    const middle = instance('middle', { cpus: 2, memoryBytes: 2 * gib, diskBytes: 2 * gib });
    for (const sort of ['cpus', 'memory', 'disk'] as const) {
      assert.deepEqual(visibleInstances([middle, edited], { ...emptyListView, sort }).map((i) => i.name), ['edited', 'middle'], sort);
    }
    const stopped = { ...edited, state: 'Stopped' } as const; // stopped, the file's figures are what it has
    assert.deepEqual(visibleInstances([middle, stopped], { ...emptyListView, sort: 'cpus' }).map((i) => i.name), ['middle', 'edited']);
  });

  it('sorts an instance whose sizes are not known (an unreadable lima.yaml) last, whichever the direction', () => {
    // Its figures are the defaults (up to 4 CPUs and 4 GiB, 100 GiB of disk), which would sort it among the known ones.
    const unreadable = instance('mangled', { state: 'Broken', configProblem: 'lima.yaml:1: field "cpus"', cpus: 4, memoryBytes: 4 * 1024 ** 3, diskBytes: 100 * 1024 ** 3 });
    const nameless = instance('orphan', { state: 'Broken', driver: undefined, cpus: 0, memoryBytes: 0, diskBytes: 0 });
    const withBlanks = [...list, unreadable, nameless];
    for (const sort of ['cpus', 'memory', 'disk'] as const) {
      for (const descending of [false, true]) {
        const order = visibleInstances(withBlanks, { ...emptyListView, sort, descending }).map((i) => i.name);
        assert.deepEqual(order.slice(-2), ['mangled', 'orphan'], `${sort} ${descending ? 'descending' : 'ascending'}: ${order.join(' ')}`);
      }
    }
    assert.deepEqual(visibleInstances(withBlanks, { ...emptyListView, sort: 'cpus', descending: true }).map((i) => i.name), ['db', 'web10', 'web9', 'mangled', 'orphan']);
    assert.deepEqual(visibleInstances(withBlanks, { ...emptyListView, sort: 'name' }).map((i) => i.name), ['db', 'mangled', 'orphan', 'web9', 'web10'], 'by name they take their place');
  });

  it('leaves the given list as it was', () => {
    visibleInstances(list, { ...emptyListView, descending: true });
    assert.deepEqual(list.map((i) => i.name), ['web10', 'web9', 'db']);
  });
});

it('reads sizes as the engine does', () => {
  for (const text of ['512MiB', '4GiB', '4G', '4gb', '1.5GiB', '100', ' 2 GiB ', 'lots', '', '0', '-1GiB', '4XiB', '1e3']) {
    assert.equal(sizeBytes(text), parseSize(text), JSON.stringify(text));
  }
});

describe('snapshot rules', () => {
  const running = { tag: 'a', createdAt: '2026-01-01T00:00:00Z', sizeBytes: 3 * 1024 ** 2, running: true };
  const diskOnly = { tag: 'b', createdAt: '2026-01-01T00:00:00Z', sizeBytes: 0, running: false };

  it('says "disk only" for a snapshot without memory, the memory size otherwise', () => {
    assert.equal(snapshotSize(diskOnly), 'disk only');
    assert.equal(snapshotSize(running), '3 MiB memory');
  });

  it('refuses a running snapshot on a stopped VM and a disk-only one on a running VM, with the reason', () => {
    assert.equal(applyRefusal(running, { name: 'vm', state: 'Stopped' }), 'Taken while running: start vm to apply it.');
    assert.equal(applyRefusal(diskOnly, { name: 'vm', state: 'Paused' }), 'Disk only: stop vm to apply it.');
    assert.equal(applyRefusal(running, { name: 'vm', state: 'Running' }), undefined);
    assert.equal(applyRefusal(diskOnly, { name: 'vm', state: 'Stopped' }), undefined);
  });

  it('says what a snapshot saves without a state word of its own, which could disagree with the badge ("Starting (booting)")', () => {
    const virtiofs = [{ hostPath: '/srv', guestPath: '/mnt', writable: false, type: 'virtiofs' as const }];
    assert.equal(savedParts({ name: 'vm', state: 'Running' }), 'Saves memory and disk.');
    assert.equal(savedParts({ name: 'vm', state: 'Paused' }), 'Saves memory and disk.');
    assert.equal(savedParts({ name: 'vm', state: 'Stopped' }), 'Saves the disk.');
    for (const state of ['Running', 'Paused'] as const) {
      assert.equal(savedParts({ name: 'vm', state, mounts: virtiofs }), 'QEMU cannot save the memory of a VM with virtiofs folders: stop vm to snapshot its disk.');
    }
  });
});
