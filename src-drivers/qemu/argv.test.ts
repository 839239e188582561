import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceSpec } from '../sdk/index.ts';
import { escapeOption, kernelCmdline, qemuCommand, qmpMarker } from './argv.ts';
import { instancePaths } from './paths.ts';

function spec(overrides: Partial<InstanceSpec['config']> = {}): InstanceSpec {
  return {
    name: 'demo',
    dir: '/home/u/.corral/instances/demo',
    runtimeDir: '/tmp/corral-1/demo',
    config: {
      vmType: 'qemu', arch: 'x86_64', cpus: 2, memoryBytes: 4 * 1024 ** 3, diskBytes: 100 * 1024 ** 3, display: 'none',
      image: { path: '/cache/debian.qcow2', format: 'qcow2' },
      ...overrides,
    },
  };
}

/** The value following `flag` each time it appears. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag ? [args[i + 1] ?? ''] : []));
}

describe('qemuCommand', () => {
  it('builds an x86_64 machine from the spec', () => {
    const s = spec();
    const { binary, args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.equal(binary, 'qemu-system-x86_64');
    assert.deepEqual(values(args, '-machine'), ['q35']);
    assert.deepEqual(values(args, '-accel'), ['tcg']);
    assert.deepEqual(values(args, '-cpu'), ['max']);
    assert.deepEqual(values(args, '-smp'), ['2']);
    assert.deepEqual(values(args, '-m'), ['4096M']);
    assert.deepEqual(values(args, '-name'), ['demo']);
    assert.deepEqual(values(args, '-display'), ['none']);
    assert.ok(args.includes('-nodefaults'));
    assert.deepEqual(values(args, '-drive'), ['if=virtio,file=/home/u/.corral/instances/demo/disk.qcow2,format=qcow2,discard=unmap']);
    assert.deepEqual(values(args, '-kernel'), []);
  });

  it('detaches QEMU, runs the guest at once and wires pid file, logs and sockets into the instance folders', () => {
    const s = spec();
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'kvm' });
    assert.deepEqual(values(args, '-cpu'), ['host']);
    assert.ok(args.includes('-daemonize'));
    assert.ok(!args.includes('-S'), 'no display: nothing to set before the guest runs, so it boots at once');
    assert.deepEqual(values(args, '-pidfile'), ['/home/u/.corral/instances/demo/qemu.pid']);
    assert.deepEqual(values(args, '-D'), ['/home/u/.corral/instances/demo/qemu.log']);
    assert.deepEqual(values(args, '-chardev'), [
      'socket,id=serial0,path=/tmp/corral-1/demo/serial.sock,server=on,wait=off,logfile=/home/u/.corral/instances/demo/serial.log,logappend=on',
      'socket,id=qmp0,path=/tmp/corral-1/demo/qmp.sock,server=on,wait=off',
    ]);
    assert.deepEqual(values(args, '-serial'), ['chardev:serial0']);
    assert.deepEqual(values(args, '-mon'), ['chardev=qmp0,mode=control']);
  });

  it('boots a kernel with its initrd and adds the serial console to the command line', () => {
    const s = spec({ kernel: { path: '/k/vmlinuz', cmdline: 'root=/dev/vda1 quiet' }, initrd: { path: '/k/initrd' } });
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.deepEqual(values(args, '-kernel'), ['/k/vmlinuz']);
    assert.deepEqual(values(args, '-initrd'), ['/k/initrd']);
    assert.deepEqual(values(args, '-append'), ['root=/dev/vda1 quiet console=ttyS0']);
  });

  it('uses the emulator, machine and console of other architectures', () => {
    const s = spec({ arch: 'aarch64', kernel: { path: '/k/Image', cmdline: '' } });
    const { binary, args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.equal(binary, 'qemu-system-aarch64');
    assert.deepEqual(values(args, '-machine'), ['virt,gic-version=max']);
    assert.deepEqual(values(args, '-append'), ['console=ttyAMA0']);
  });

  it('escapes commas in paths and names', () => {
    const s = { ...spec(), name: 'a,b', dir: '/x,y', runtimeDir: '/r,s' };
    const paths = instancePaths(s);
    const { args } = qemuCommand(s, paths, { accelerator: 'tcg' });
    assert.deepEqual(values(args, '-name'), ['a,,b']);
    assert.ok(values(args, '-drive')[0]?.startsWith('if=virtio,file=/x,,y/disk.qcow2,'));
    assert.equal(qmpMarker(paths), 'path=/r,,s/qmp.sock,');
    assert.ok(values(args, '-chardev').some((v) => v.includes(qmpMarker(paths))));
  });
});

describe('qemuCommand network', () => {
  it('gives the NIC the instance\'s MAC and forwards a loopback port to the guest\'s sshd', () => {
    const s = spec({ network: { macAddress: '52:55:55:0a:0b:0c', sshLocalPort: 40022 } });
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.deepEqual(values(args, '-netdev'), ['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22']);
    assert.deepEqual(values(args, '-device').filter((d) => d.startsWith('virtio-net-pci')), ['virtio-net-pci,netdev=net0,mac=52:55:55:0a:0b:0c,romfile=']);
  });

  it('without a network spec: QEMU\'s own MAC, no forward', () => {
    const s = spec();
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.deepEqual(values(args, '-netdev'), ['user,id=net0']);
    assert.ok(values(args, '-device').includes('virtio-net-pci,netdev=net0,romfile='));
  });
});

describe('qemuCommand display', () => {
  it('shows a VGA card over password-protected VNC and its websocket, on loopback, with a kernel console on the screen', () => {
    const s = spec({ display: 'vnc', kernel: { path: '/k', cmdline: 'quiet' } });
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg', vnc: { port: 40123, websocketPort: 40124 } });
    assert.deepEqual(values(args, '-vnc'), ['127.0.0.1:34223,websocket=127.0.0.1:40124,password=on']);
    assert.deepEqual(values(args, '-device').filter((d) => d === 'VGA'), ['VGA']);
    assert.deepEqual(values(args, '-display'), []);
    assert.deepEqual(values(args, '-append'), ['quiet console=tty0 console=ttyS0']);
    assert.ok(args.includes('-S'), 'held until the VNC password is set');
  });
  it('has no screen without a display', () => {
    const s = spec();
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg', vnc: { port: 40123, websocketPort: 40124 } });
    assert.deepEqual(values(args, '-vnc'), []);
    assert.ok(!values(args, '-device').includes('VGA'));
  });
});

describe('kernelCmdline', () => {
  it('keeps a console the user chose', () => {
    assert.equal(kernelCmdline('console=hvc0 quiet', 'ttyS0'), 'console=hvc0 quiet');
  });
  it('adds the serial console otherwise', () => {
    assert.equal(kernelCmdline('', 'ttyS0'), 'console=ttyS0');
    assert.equal(kernelCmdline('  quiet ', 'ttyS0'), 'quiet console=ttyS0');
    assert.equal(kernelCmdline('netconsole=x', 'ttyS0'), 'netconsole=x console=ttyS0');
  });
});

describe('escapeOption', () => {
  it('doubles commas', () => {
    assert.equal(escapeOption('a,b,,c'), 'a,,b,,,,c');
  });
});

describe('qemuCommand mounts', () => {
  const mount = { tag: 'mount0', hostPath: '/home/u', mountPoint: '/home/u', writable: false, type: '9p' as const };

  it('shares a 9p folder read-only through -fsdev local and virtio-9p-pci with its tag', () => {
    const s = spec({ mounts: [mount, { ...mount, tag: 'mount1', hostPath: '/tmp/lima', mountPoint: '/tmp/lima', writable: true, securityModel: 'mapped-xattr' }] });
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.deepEqual(values(args, '-fsdev'), [
      'local,id=fs-mount0,path=/home/u,security_model=none,readonly=on',
      'local,id=fs-mount1,path=/tmp/lima,security_model=mapped-xattr',
    ]);
    assert.deepEqual(values(args, '-device').filter((d) => d.startsWith('virtio-9p-pci')), [
      'virtio-9p-pci,fsdev=fs-mount0,mount_tag=mount0',
      'virtio-9p-pci,fsdev=fs-mount1,mount_tag=mount1',
    ]);
    assert.deepEqual(values(args, '-object'), [], 'no shared memory backend for 9p');
  });

  it('keeps a host path with commas and "=" one value: QEMU reads ",," as a comma', () => {
    const s = spec({ mounts: [{ ...mount, hostPath: '/data/a,readonly=off,security_model=passthrough' }] });
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.deepEqual(values(args, '-fsdev'), ['local,id=fs-mount0,path=/data/a,,readonly=off,,security_model=passthrough,security_model=none,readonly=on']);
  });

  it('connects virtiofs folders to their virtiofsd sockets and shares the guest RAM from a memfd', () => {
    const s = { ...spec({ memoryBytes: 1024 ** 3, mounts: [{ ...mount, type: 'virtiofs' }, { ...mount, tag: 'mount1', type: 'virtiofs' }] }), runtimeDir: '/r,un' };
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.deepEqual(values(args, '-chardev').filter((c) => c.startsWith('socket,id=vfs-')), [
      'socket,id=vfs-mount0,path=/r,,un/virtiofs-mount0.sock',
      'socket,id=vfs-mount1,path=/r,,un/virtiofs-mount1.sock',
    ]);
    assert.deepEqual(values(args, '-device').filter((d) => d.startsWith('vhost-user-fs-pci')), [
      'vhost-user-fs-pci,chardev=vfs-mount0,tag=mount0',
      'vhost-user-fs-pci,chardev=vfs-mount1,tag=mount1',
    ]);
    assert.deepEqual(values(args, '-object'), ['memory-backend-memfd,id=mem0,size=1024M,share=on']);
    assert.deepEqual(values(args, '-numa'), ['node,memdev=mem0']);
    assert.deepEqual(values(args, '-m'), ['1024M'], 'the backend is exactly the machine\'s RAM');
  });

  it('adds nothing without mounts', () => {
    const s = spec();
    const { args } = qemuCommand(s, instancePaths(s), { accelerator: 'tcg' });
    assert.deepEqual([...values(args, '-fsdev'), ...values(args, '-object'), ...values(args, '-numa')], []);
  });
});
