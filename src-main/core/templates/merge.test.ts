// Lima's merge rules (pkg/limatmpl/embed.go) on small inline documents.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combineListEntries } from './combine.ts';
import { compareVersions, mergeBase } from './merge.ts';

describe('merging a base into a template', () => {
  it('lets the template win and fills only what it lacks, deeply for mappings', () => {
    const merged = mergeBase(
      { cpus: 2, video: { display: 'vnc' }, memory: null },
      { cpus: 8, disk: '10GiB', video: { display: 'none', vnc: { display: '127.0.0.1:0' } }, memory: '8GiB' },
    );
    assert.deepEqual(merged, { cpus: 2, video: { display: 'vnc', vnc: { display: '127.0.0.1:0' } }, memory: null, disk: '10GiB' });
  });
  it('concatenates lists template first, nested lists too', () => {
    const merged = mergeBase(
      { images: [{ location: '/t.img' }], containerd: { archives: [{ location: '/t.tgz' }] } },
      { images: [{ location: '/b.img' }], containerd: { archives: [{ location: '/b.tgz' }], user: true } },
    );
    assert.deepEqual(merged.images, [{ location: '/t.img' }, { location: '/b.img' }]);
    assert.deepEqual(merged.containerd, { archives: [{ location: '/t.tgz' }, { location: '/b.tgz' }], user: true });
  });
  it('puts the base first for provision and probes', () => {
    const merged = mergeBase(
      { provision: [{ script: 'template' }], probes: [{ script: 'template' }] },
      { provision: [{ script: 'base' }], probes: [{ script: 'base' }] },
    );
    assert.deepEqual(merged.provision, [{ script: 'base' }, { script: 'template' }]);
    assert.deepEqual(merged.probes, [{ script: 'base' }, { script: 'template' }]);
  });
  it('drops the base dns when the template has any, keeps it otherwise', () => {
    assert.deepEqual(mergeBase({ dns: ['1.1.1.1'] }, { dns: ['8.8.8.8'] }).dns, ['1.1.1.1']);
    assert.deepEqual(mergeBase({ dns: [] }, { dns: ['8.8.8.8'] }).dns, []);
    assert.deepEqual(mergeBase({}, { dns: ['8.8.8.8'] }).dns, ['8.8.8.8']);
  });
  it('keeps each mountTypesUnsupported value once, and the higher minimum versions', () => {
    const merged = mergeBase(
      { mountTypesUnsupported: ['9p'], minimumLimaVersion: '1.1.0', vmOpts: { qemu: { minimumVersion: '8.2.1' } } },
      { mountTypesUnsupported: ['virtiofs', '9p'], minimumLimaVersion: '2.0.0', vmOpts: { qemu: { minimumVersion: '9.1.0' } } },
    );
    assert.deepEqual(merged.mountTypesUnsupported, ['9p', 'virtiofs']);
    assert.equal(merged.minimumLimaVersion, '2.0.0');
    assert.deepEqual(merged.vmOpts, { qemu: { minimumVersion: '9.1.0' } });
    assert.ok(compareVersions('2.0.10', '2.0.9') > 0);
  });
  it('does not modify its inputs', () => {
    const base = { images: [{ location: '/b.img' }] };
    const template = { images: [{ location: '/t.img' }] };
    const merged = mergeBase(template, base);
    const [, fromBase] = merged.images as { location: string }[];
    if (fromBase) fromBase.location = '/changed';
    assert.deepEqual(base, { images: [{ location: '/b.img' }] });
    assert.deepEqual(template, { images: [{ location: '/t.img' }] });
  });
});

describe('combining keyed list entries', () => {
  it('combines mounts by mount point (default: location), filling the earlier entry', () => {
    const document = {
      mounts: [
        { location: '~', writable: true },
        { location: '/tmp/x' },
        { location: '~', mountPoint: null, sshfs: { cache: false }, writable: false },
      ],
    };
    combineListEntries(document);
    assert.deepEqual(document.mounts, [{ location: '~', writable: true, sshfs: { cache: false } }, { location: '/tmp/x' }]);
  });
  it('applies a "*" entry to every earlier entry', () => {
    const document = { mounts: [{ location: '/a' }, { location: '/b', writable: false }, { location: '*', writable: true }] };
    combineListEntries(document);
    assert.deepEqual(document.mounts, [{ location: '/a', writable: true }, { location: '/b', writable: false }]);
  });
  it('combines networks by interface, never mixing lima and socket', () => {
    const document = { networks: [{ interface: 'eth1', socket: '/s' }, { interface: 'eth1', lima: 'shared', metric: 100 }] };
    combineListEntries(document);
    assert.deepEqual(document.networks, [{ interface: 'eth1', socket: '/s', metric: 100 }]);
  });
  it('combines additionalDisks by name, a plain name string becoming a mapping only when it gains fields', () => {
    const document = { additionalDisks: ['data', 'scratch', { name: 'data', format: true, fsType: 'ext4' }] };
    combineListEntries(document);
    assert.deepEqual(document.additionalDisks, [{ name: 'data', format: true, fsType: 'ext4' }, 'scratch']);
  });
});
