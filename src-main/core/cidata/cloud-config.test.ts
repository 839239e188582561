// The NoCloud seed files: parsed back as YAML and checked field by field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { cidataFiles, hostnameFor, nerdctlArchiveName, newInstanceId } from './index.ts';
import type { CidataOptions, IsoEntry } from './index.ts';

const user: CidataOptions['user'] = { name: 'alice', uid: 501, sshAuthorizedKeys: ['ssh-ed25519 AAAAkey alice@host'] };
const boot = { instanceId: 'iid-1', macAddress: '52:55:55:12:34:56' };

function text(entries: IsoEntry[], name: string): string {
  const data = entries.find((e) => e.name === name)?.data;
  assert.ok(data instanceof Uint8Array, `${name} is in memory`);
  return new TextDecoder().decode(data);
}

test('user-data, meta-data and network-config for a plain instance', () => {
  const files = cidataFiles({ name: 'My_VM.1' }, { user, ...boot });
  assert.deepEqual(files.map((f) => f.name), ['user-data', 'meta-data', 'network-config']);

  const userData = text(files, 'user-data');
  assert.ok(userData.startsWith('#cloud-config\n'), 'cloud-init needs the #cloud-config first line');
  const config = parse(userData) as Record<string, unknown>;
  assert.equal(config.hostname, 'my-vm-1');
  assert.deepEqual(config.users, [{
    name: 'alice', uid: 501, homedir: '/home/alice.linux', shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL',
    lock_passwd: true, ssh_authorized_keys: ['ssh-ed25519 AAAAkey alice@host'],
  }]);
  assert.equal(config.ssh_pwauth, false, 'keys are the only way in');
  assert.equal(config.runcmd, undefined);
  assert.equal(config.timezone, undefined);

  assert.deepEqual(parse(text(files, 'meta-data')), { 'instance-id': 'iid-1', 'local-hostname': 'my-vm-1' });
  assert.deepEqual(parse(text(files, 'network-config')), {
    version: 2, ethernets: { eth0: { match: { macaddress: '52:55:55:12:34:56' }, 'set-name': 'eth0', dhcp4: true, 'dhcp-identifier': 'mac' } },
  });
});

test('options: instance id, host name, time zone, DNS, MAC address', () => {
  const files = cidataFiles({ name: 'demo' }, {
    user: { ...user, home: '/home/alice', shell: '/bin/zsh', comment: 'Alice "A" Liddell' },
    instanceId: 'iid-42', hostname: 'box', timezone: 'Europe/Paris', dns: ['10.0.2.3'], macAddress: '52:54:00:AB:CD:EF',
  });
  const config = parse(text(files, 'user-data')) as Record<string, unknown>;
  assert.equal(config.timezone, 'Europe/Paris');
  assert.deepEqual(config.resolv_conf, { nameservers: ['10.0.2.3'] });
  const [first] = config.users as Record<string, unknown>[];
  assert.equal(first?.gecos, 'Alice "A" Liddell');
  assert.equal(first?.homedir, '/home/alice');
  assert.equal(first?.shell, '/bin/zsh');
  assert.deepEqual(parse(text(files, 'meta-data')), { 'instance-id': 'iid-42', 'local-hostname': 'box' });
  assert.deepEqual(parse(text(files, 'network-config')), {
    version: 2, ethernets: { eth0: { match: { macaddress: '52:54:00:ab:cd:ef' }, 'set-name': 'eth0', dhcp4: true, 'dhcp-identifier': 'mac' } },
  });
});

test('a MAC address of digits only stays a string for cloud-init (YAML 1.1: base-60 numbers)', () => {
  const files = cidataFiles({ name: 'demo' }, { user, instanceId: 'iid-1', macAddress: '52:55:55:48:47:10' });
  const config = parse(text(files, 'network-config'), { version: '1.1' }) as { ethernets: { eth0: { match: { macaddress: unknown } } } };
  assert.equal(config.ethernets.eth0.match.macaddress, '52:55:55:48:47:10');
});

test('containerd adds the archive, streamed from its file, and the commands that install it', () => {
  const files = cidataFiles({ name: 'demo' }, { user, ...boot, containerd: { archive: '/cache/nerdctl-full-2.3.5-linux-amd64.tar.gz', system: true, user: true } });
  assert.deepEqual(files.at(-1), { name: nerdctlArchiveName, data: { path: '/cache/nerdctl-full-2.3.5-linux-amd64.tar.gz' } });
  const runcmd = (parse(text(files, 'user-data')) as { runcmd: string[] }).runcmd;
  assert.ok(runcmd.includes(`tar Cxzf /usr/local /mnt/cidata/${nerdctlArchiveName}`));
  assert.ok(runcmd.includes('systemctl enable --now containerd buildkit'));
  assert.ok(runcmd.some((c) => c.includes('sudo -iu alice') && c.endsWith('containerd-rootless-setuptool.sh install')));

  const systemOnly = parse(text(cidataFiles({ name: 'demo' }, { user, ...boot, containerd: { archive: '/a.tgz', system: true, user: false } }), 'user-data')) as { runcmd: string[] };
  assert.ok(!systemOnly.runcmd.some((c) => c.includes('rootless')));
});

test('host names and user names are checked', () => {
  assert.equal(hostnameFor('Web.Server_01'), 'web-server-01');
  assert.equal(hostnameFor('x'.repeat(63)), 'x'.repeat(63));
  assert.throws(() => hostnameFor('___'), (e: unknown) => e instanceof DriverError && e.code === 'INVALID_NAME');
  assert.throws(() => cidataFiles({ name: 'demo' }, { ...boot, user: { ...user, name: 'Bad User' } }), (e: unknown) => e instanceof DriverError && e.code === 'INVALID_CONFIG');
  // cloud-init rejects the whole user-data over an empty key list: refused here, naming why.
  assert.throws(() => cidataFiles({ name: 'demo' }, { ...boot, user: { ...user, sshAuthorizedKeys: [] } }), /no SSH public key for guest user "alice"/);
});

test('a new instance-id at every boot', () => {
  assert.match(newInstanceId(), /^iid-\d+$/);
  assert.notEqual(newInstanceId(1000), newInstanceId(1001));
});

test('shared folders are mounted at every boot by their tags, and a failed mount never stops the boot', () => {
  const mounts = [
    { tag: 'mount0', mountPoint: '/home/alice', type: '9p' as const, options: 'ro,trans=virtio,version=9p2000.L,msize=131072,cache=fscache,nofail' },
    { tag: 'mount1', mountPoint: "/mnt/it's", type: 'virtiofs' as const, options: 'rw,nofail' },
  ];
  const config = parse(text(cidataFiles({ name: 'demo' }, { user, ...boot, mounts }), 'user-data')) as { bootcmd: string[] };
  assert.deepEqual(config.bootcmd, [
    "mkdir -p '/home/alice' && { mountpoint -q '/home/alice' || mount -t 9p -o 'ro,trans=virtio,version=9p2000.L,msize=131072,cache=fscache,nofail' 'mount0' '/home/alice'; } "
      + "|| printf 'corral: could not mount shared folder %s on %s\\n' 'mount0' '/home/alice' >&2",
    "mkdir -p '/mnt/it'\\''s' && { mountpoint -q '/mnt/it'\\''s' || mount -t virtiofs -o 'rw,nofail' 'mount1' '/mnt/it'\\''s'; } "
      + "|| printf 'corral: could not mount shared folder %s on %s\\n' 'mount1' '/mnt/it'\\''s' >&2",
  ]);
  assert.equal((parse(text(cidataFiles({ name: 'demo' }, { user, ...boot }), 'user-data')) as { bootcmd?: unknown }).bootcmd, undefined);
});
