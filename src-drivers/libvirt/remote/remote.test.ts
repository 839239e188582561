// The pure parts of remote hosting: the domain a remote host gets (its own copies of the files,
// a pty console instead of local socket and log), how ssh is invoked from the URI, and what a
// failed connection is called.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DriverError } from '../../sdk/index.ts';
import type { InstanceSpec } from '../../sdk/index.ts';
import { domainXml } from '../domain.ts';
import { instancePaths } from '../paths.ts';
import { child, parseXml, textOf } from '../xml.ts';
import { remoteConnectionProblem } from './errors.ts';
import { checkUriCharacters, sshInvocation } from './ssh.ts';

const spec: InstanceSpec = {
  name: 'far',
  dir: '/home/u/corral/instances/far',
  runtimeDir: '/run/user/1000/corral/far',
  config: {
    vmType: 'libvirt', arch: 'x86_64', cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 1024 ** 3, display: 'none',
    image: { path: '/home/u/.cache/corral/base.raw', format: 'raw' },
    kernel: { path: '/home/u/.cache/corral/vmlinuz', cmdline: 'quiet' },
    initrd: { path: '/home/u/.cache/corral/initrd.img' },
    cidata: { path: '/home/u/corral/instances/far/cidata.iso' },
  },
};

test('a remote domain opens only the remote host\'s copies, and its console is a pty there', () => {
  const remote = { disk: '/var/lib/libvirt/corral/corral-x-disk.qcow2', kernel: '/var/lib/libvirt/corral/sha256-k', initrd: '/var/lib/libvirt/corral/sha256-i', cidata: '/var/lib/libvirt/corral/sha256-c' };
  const xml = domainXml(spec, { ...instancePaths(spec), disk: remote.disk }, { identity: { uuid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', name: 'corral-far-0f1e2d3c' }, type: 'qemu', owner: 'libvirt-default', remote });
  assert.doesNotMatch(xml, /\/home\/u\/(\.cache|corral\/instances\/far\/)/, 'no local path of the files reaches the remote host');
  const domain = parseXml(xml);
  const kernel = child(domain, 'os', 'kernel');
  assert.ok(kernel);
  assert.equal(textOf(kernel), remote.kernel);
  const serial = child(domain, 'devices', 'serial');
  assert.ok(serial);
  assert.equal(serial.attributes.type, 'pty');
  assert.equal(child(serial, 'log'), undefined);
});

test('ssh is invoked as the URI says: port, key, no_verify, the ssh program', () => {
  const ssh = sshInvocation('qemu+ssh://ops@vm-host.example:2222/system?keyfile=/k/id&no_verify=1&command=/usr/local/bin/ssh');
  assert.ok(ssh);
  assert.equal(ssh.command, '/usr/local/bin/ssh');
  assert.equal(ssh.destination, 'ops@vm-host.example');
  assert.deepEqual(ssh.options.slice(-6), ['-p', '2222', '-i', '/k/id', '-o', 'StrictHostKeyChecking=no']);
  assert.equal(sshInvocation('qemu+tls://host/system'), undefined);
});

test('a URI with shell metacharacters is refused with one line', () => {
  for (const uri of ['qemu+ssh://h/system;reboot', 'qemu+ssh://h/system?keyfile=$(id)', 'qemu+ssh://h/system?keyfile=a b']) {
    assert.throws(() => checkUriCharacters(uri), (e: unknown) => e instanceof DriverError && e.code === 'INVALID_CONFIG' && !e.message.includes('\n'));
  }
  checkUriCharacters('qemu+ssh://root@127.0.0.1:22/system?keyfile=/k/id&no_verify=1');
});

test('connection failures are named with what to do', () => {
  const uri = 'qemu+ssh://root@h:22/system?keyfile=/k/id';
  assert.match(remoteConnectionProblem(uri, 'failed to connect to the hypervisor: End of file while reading data: ssh: connect to host h port 22: Connection refused: Input/output error') ?? '', /^cannot reach h:22 over SSH: connection refused/);
  assert.match(remoteConnectionProblem(uri, 'End of file while reading data: root@h: Permission denied (publickey).: Input/output error') ?? '', /refused the SSH key for root \(\/k\/id\)/);
  assert.match(remoteConnectionProblem(uri, 'failed to connect to the hypervisor: no connection driver available for qemu:///system') ?? '', /has no QEMU driver/);
  const unreadable = 'End of file while reading data: Warning: Identity file /k/id not accessible: No such file or directory.\nroot@h: Permission denied (publickey).: Input/output error';
  assert.match(remoteConnectionProblem(uri, unreadable) ?? '', /^cannot read the SSH key \/k\/id for h:22: put it in ~\/\.ssh/);
  assert.equal(remoteConnectionProblem(uri, 'Domain not found'), undefined);
});
