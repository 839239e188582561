// The domain XML is a pure function of the spec: checked by parsing it back, with names and
// paths that would break XML (or inject elements) if anything were left unescaped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceSpec } from '../sdk/index.ts';
import { domainName, domainXml, kernelCmdline } from './domain.ts';
import type { DomainOptions } from './domain.ts';
import { instancePaths } from './paths.ts';
import { child, children, parseXml, textOf } from './xml.ts';

const evil = `x'/><disk type='file'><source file='/etc/shadow'/></disk><y a='`;

function spec(overrides: Partial<InstanceSpec['config']> = {}): InstanceSpec {
  return {
    name: `demo & "friends"`,
    dir: `/home/u/corral/instances/${evil}`,
    runtimeDir: '/run/user/1000/corral/ab12',
    config: {
      vmType: 'libvirt', arch: 'x86_64', cpus: 2, memoryBytes: 1024 ** 3 + 1, diskBytes: 8 * 1024 ** 3, display: 'none',
      image: { path: '/cache/base.qcow2', format: 'qcow2' },
      kernel: { path: `/cache/vmlinuz<${evil}>`, cmdline: `quiet root=LABEL="r&d"` },
      initrd: { path: '/cache/initrd.img' },
      ...overrides,
    },
  };
}

const identity = { uuid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', name: 'corral-demo-0f1e2d3c' };
const options: DomainOptions = { identity, type: 'qemu', owner: { uid: 1000, gid: 1001 } };

test('a kernel boot with a serial console on a unix socket, logged; every value escaped', () => {
  const s = spec();
  const paths = instancePaths(s);
  const domain = parseXml(domainXml(s, paths, options));
  assert.equal(domain.attributes.type, 'qemu');
  assert.equal(textOf(domain, 'name'), identity.name);
  assert.equal(textOf(domain, 'uuid'), identity.uuid);
  assert.equal(textOf(domain, 'memory'), String(1024 ** 2 + 1)); // KiB, rounded up
  assert.equal(textOf(domain, 'vcpu'), '2');
  assert.equal(textOf(domain, 'os', 'kernel'), s.config.kernel?.path);
  assert.equal(textOf(domain, 'os', 'cmdline'), `quiet root=LABEL="r&d" console=ttyS0`);
  assert.deepEqual(child(domain, 'os', 'type')?.attributes, { arch: 'x86_64', machine: 'q35' });
  assert.equal(child(domain, 'cpu')?.attributes.mode, 'maximum');
  const devices = child(domain, 'devices');
  const disks = children(devices, 'disk');
  assert.equal(disks.length, 1, 'no injected disk');
  assert.equal(child(disks[0], 'source')?.attributes.file, paths.disk);
  const serial = child(devices, 'serial');
  assert.deepEqual(child(serial, 'source')?.attributes, { mode: 'bind', path: '/run/user/1000/corral/ab12/serial.sock' });
  assert.deepEqual(child(serial, 'log')?.attributes, { file: paths.serialLog, append: 'on' });
  assert.equal(child(devices, 'graphics'), undefined);
  assert.equal(child(domain, 'metadata', 'corral:instance')?.attributes.dir, s.dir);
  assert.deepEqual(child(domain, 'seclabel')?.attributes, { type: 'static', model: 'dac', relabel: 'yes' });
  assert.equal(textOf(domain, 'seclabel', 'label'), '+1000:+1001');
});

test('VNC on loopback with a password, cidata read-only and outside snapshots, KVM, libvirt\'s own user', () => {
  const s = spec({ display: 'vnc', cidata: { path: '/home/u/corral/instances/x/cidata.iso' } });
  const xml = domainXml(s, instancePaths(s), { ...options, type: 'kvm', owner: 'libvirt-default', vncPassword: `p'w<&>` });
  const domain = parseXml(xml);
  assert.equal(domain.attributes.type, 'kvm');
  assert.equal(child(domain, 'cpu')?.attributes.mode, 'host-passthrough');
  const graphics = child(domain, 'devices', 'graphics');
  assert.deepEqual(graphics?.attributes, { type: 'vnc', autoport: 'yes', websocket: '-1', listen: '127.0.0.1', passwd: `p'w<&>` });
  assert.equal(child(graphics, 'listen')?.attributes.address, '127.0.0.1');
  assert.equal(textOf(domain, 'os', 'cmdline'), `quiet root=LABEL="r&d" console=tty0 console=ttyS0`);
  const cidata = children(child(domain, 'devices'), 'disk')[1];
  assert.equal(cidata?.attributes.snapshot, 'no');
  assert.ok(child(cidata, 'readonly'));
  assert.equal(child(domain, 'seclabel'), undefined);
  assert.throws(() => domainXml(s, instancePaths(s), options), /needs a password/);
});

test('a disk boot, and the other architectures', () => {
  const disk = spec({ kernel: undefined, initrd: undefined });
  const domain = parseXml(domainXml(disk, instancePaths(disk), options));
  assert.equal(child(domain, 'os', 'kernel'), undefined);
  assert.equal(child(domain, 'os', 'boot')?.attributes.dev, 'hd');
  const arm = spec({ arch: 'aarch64' });
  const armDomain = parseXml(domainXml(arm, instancePaths(arm), options));
  assert.deepEqual(child(armDomain, 'os', 'type')?.attributes, { arch: 'aarch64', machine: 'virt' });
  assert.match(textOf(armDomain, 'os', 'cmdline') ?? '', /console=ttyAMA0$/);
  assert.equal(child(armDomain, 'features'), undefined);
  const s390 = spec({ arch: 's390x' });
  assert.throws(() => domainXml(s390, instancePaths(s390), options), /no libvirt profile for s390x/);
});

test('domain names: readable, unique by UUID; a console= given by the user is kept', () => {
  assert.equal(domainName('My VM_1', identity.uuid), 'corral-my-vm-1-0f1e2d3c');
  assert.equal(domainName('日本', identity.uuid), 'corral-instance-0f1e2d3c');
  assert.equal(kernelCmdline('console=hvc0 quiet', 'ttyS0', true), 'console=hvc0 quiet');
});

test('the NIC carries the MAC the engine chose (the cidata\'s network-config matches it), and none is made up without one', () => {
  const s = spec({ network: { macAddress: '52:55:55:ab:cd:ef' } });
  const nic = child(parseXml(domainXml(s, instancePaths(s), options)), 'devices', 'interface');
  assert.deepEqual(child(nic, 'mac')?.attributes, { address: '52:55:55:ab:cd:ef' });
  const plain = spec();
  assert.equal(child(parseXml(domainXml(plain, instancePaths(plain), options)), 'devices', 'interface', 'mac'), undefined);
});
