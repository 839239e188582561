// Shared folders from the template: Lima's defaults, mount types against what the driver
// offers, paths and the guest's mount options; then the host folders themselves.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { LimaConfig } from '../instances/config.ts';
import { checkLocations } from './locations.ts';
import { resolveMounts } from './resolve.ts';

const qemu = { driver: 'qemu', supported: ['9p', 'virtiofs'] as const, homeDir: '/home/alice' };
const config = (fields: Partial<LimaConfig> = {}): LimaConfig => ({ images: [{ location: '/a.img' }], ...fields });

function refused(fn: () => unknown, field: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof DriverError && e.code === 'INVALID_CONFIG' && e.details?.field === field && message.test(e.message));
}

describe('resolveMounts', () => {
  it("gives Lima's default mounts when the template has none: home read-only, /tmp/lima writable, 9p", () => {
    const resolved = resolveMounts(config(), qemu);
    assert.deepEqual(resolved.mounts, [
      { tag: 'mount0', hostPath: '/home/alice', mountPoint: '/home/alice', writable: false, type: '9p', securityModel: 'none' },
      { tag: 'mount1', hostPath: '/tmp/lima', mountPoint: '/tmp/lima', writable: true, type: '9p', securityModel: 'none' },
    ]);
    assert.deepEqual(resolved.guest, [
      { tag: 'mount0', mountPoint: '/home/alice', type: '9p', options: 'ro,trans=virtio,version=9p2000.L,msize=131072,cache=fscache,nofail' },
      { tag: 'mount1', mountPoint: '/tmp/lima', type: '9p', options: 'rw,trans=virtio,version=9p2000.L,msize=131072,cache=mmap,nofail' },
    ]);
    assert.deepEqual(resolved.creatable, ['/home/alice', '/tmp/lima']);
  });

  it('mounts nothing for "mounts: []"', () => {
    assert.deepEqual(resolveMounts(config({ mounts: [] }), qemu).mounts, []);
  });

  it('expands ~, takes mountPoint, writable and the 9p options from the template', () => {
    const resolved = resolveMounts(config({ mounts: [{ location: '~/src/', mountPoint: '/work', writable: true, '9p': { securityModel: 'mapped-xattr', msize: '512KiB', cache: 'loose', protocolVersion: '9p2000.u' } }] }), qemu);
    assert.deepEqual(resolved.mounts, [{ tag: 'mount0', hostPath: '/home/alice/src', mountPoint: '/work', writable: true, type: '9p', securityModel: 'mapped-xattr' }]);
    assert.equal(resolved.guest[0]?.options, 'rw,trans=virtio,version=9p2000.u,msize=524288,cache=loose,nofail');
    assert.deepEqual(resolved.creatable, [], "a template's folders are never made for it");
  });

  it('uses virtiofs when asked, or when the template rules 9p out', () => {
    const asked = resolveMounts(config({ mountType: 'virtiofs', mounts: [{ location: '/data' }] }), qemu);
    assert.deepEqual(asked.mounts.map((m) => [m.type, m.securityModel]), [['virtiofs', undefined]]);
    assert.equal(asked.guest[0]?.options, 'ro,nofail');
    const ruledOut = resolveMounts(config({ mountTypesUnsupported: ['9p'], mounts: [{ location: '/data', writable: true }] }), qemu);
    assert.equal(ruledOut.mounts[0]?.type, 'virtiofs');
    assert.equal(ruledOut.guest[0]?.options, 'rw,nofail');
  });

  it('refuses a mount type the driver does not declare, naming mountType', () => {
    const libvirt = { driver: 'libvirt', supported: [] as const, homeDir: '/h' };
    refused(() => resolveMounts(config({ mountType: '9p', mounts: [{ location: '/data' }] }), libvirt), 'mountType', /driver libvirt cannot share folders with mountType "9p" \(it shares no folders\)/);
    refused(() => resolveMounts(config({ mountType: 'virtiofs', mounts: [{ location: '/data' }] }), { ...qemu, supported: ['9p'] }), 'mountType', /mountType "virtiofs" \(it offers 9p\)/);
    refused(() => resolveMounts(config({ mountType: 'reverse-sshfs', mounts: [{ location: '/data' }] }), qemu), 'mountType', /"reverse-sshfs" is not a mount type Corral has/);
    refused(() => resolveMounts(config({ mountType: '9p', mountTypesUnsupported: ['9p'], mounts: [{ location: '/data' }] }), qemu), 'mountType', /listed in mountTypesUnsupported/);
    refused(() => resolveMounts(config({ mounts: [{ location: '/data' }] }), libvirt), 'mounts', /cannot share folders with 9p or virtiofs/);
  });

  it("skips Lima's default mounts without a warning when the driver cannot serve what the guest mounts, saying why for the instance page", () => {
    assert.deepEqual(resolveMounts(config(), { driver: 'libvirt', supported: [], homeDir: '/h' }),
      { mounts: [], guest: [], creatable: [], warnings: [], skipped: 'the libvirt driver shares no folders' });
    // Debian's cloud kernel has no 9p, and virtiofs needs root: what a desktop user's qemu driver meets.
    assert.deepEqual(resolveMounts(config({ mountTypesUnsupported: ['9p'] }), { driver: 'qemu', supported: ['9p'], homeDir: '/h' }),
      { mounts: [], guest: [], creatable: [], warnings: [], skipped: 'its template says the guest cannot mount 9p (mountTypesUnsupported), and the qemu driver offers no other kind here' });
    assert.equal(resolveMounts(config({ mounts: [] }), { driver: 'libvirt', supported: [], homeDir: '/h' }).skipped, undefined, 'a template that asks for none is not told why');
  });

  it('refuses relative locations, Lima host templates and mount points that are not one absolute guest path', () => {
    refused(() => resolveMounts(config({ mounts: [{ location: 'data' }] }), qemu), 'mounts[0].location', /"data" is not an absolute path/);
    refused(() => resolveMounts(config({ mounts: [{ location: '/a' }, { location: '{{.GlobalTempDir}}/lima' }] }), qemu), 'mounts[1].location', /templates in mount locations are not supported/);
    refused(() => resolveMounts(config({ mounts: [{ location: '/a', mountPoint: 'rel' }] }), qemu), 'mounts[0].mountPoint', /not an absolute path in the guest/);
    refused(() => resolveMounts(config({ mounts: [{ location: '/a', mountPoint: '/my\ndata' }] }), qemu), 'mounts[0].mountPoint', /line break/);
    assert.equal(resolveMounts(config({ mounts: [{ location: '/my data' }] }), qemu).guest[0]?.mountPoint, '/my data', 'spaces are fine: the boot command quotes the path');
  });
});

describe('checkLocations', () => {
  it("names the field of a template folder that is missing or not a folder, and makes Lima's default folder only when asked", async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-mounts-'));
    try {
      const file = path.join(root, 'file');
      await fs.writeFile(file, '');
      const missing = resolveMounts(config({ mounts: [{ location: root }, { location: path.join(root, 'gone') }] }), qemu);
      await assert.rejects(checkLocations(missing, { create: true }), (e: unknown) => e instanceof DriverError && e.details?.field === 'mounts[1].location' && /host folder .*gone does not exist; create it or fix the path/.test(e.message));
      await assert.rejects(fs.stat(path.join(root, 'gone')), 'a template folder is never created');
      const notFolder = resolveMounts(config({ mounts: [{ location: file }] }), qemu);
      await assert.rejects(checkLocations(notFolder, { create: false }), /field "mounts\[0\]\.location": .*file is not a folder/);

      const defaults = resolveMounts(config(), { ...qemu, homeDir: path.join(root, 'home') });
      await fs.mkdir(path.join(root, 'home'));
      const lima = { ...defaults, mounts: defaults.mounts.map((m) => (m.hostPath === '/tmp/lima' ? { ...m, hostPath: path.join(root, 'lima') } : m)), creatable: [path.join(root, 'home'), path.join(root, 'lima')] };
      await checkLocations(lima, { create: false });
      await assert.rejects(fs.stat(path.join(root, 'lima')), 'create: false makes nothing');
      await checkLocations(lima, { create: true });
      assert.ok((await fs.stat(path.join(root, 'lima'))).isDirectory());
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
