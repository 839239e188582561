// The QEMU command line for an instance: a pure function of the spec, its paths and the
// chosen accelerator, so it is unit-tested without QEMU and reviewed in one place.
import type { InstanceSpec } from '../sdk/index.ts';
import { virtiofsSocket } from './paths.ts';
import type { InstancePaths } from './paths.ts';

export interface QemuCommandOptions {
  /** 'kvm', 'hvf', 'whpx' or 'tcg' (accelerator.ts decides). */
  accelerator: string;
  /** Loopback ports for VNC and its WebSocket, free when the driver picked them (display vnc only). */
  vnc?: { port: number; websocketPort: number };
}

export interface QemuCommand {
  /** The emulator's name, to look up on PATH. */
  binary: string;
  args: string[];
}

export interface ArchProfile {
  binary: string;
  machine: string;
  /** The kernel's name for the first serial port the machine wires to -serial. */
  console: string;
}

/** The guest architectures this driver runs. Others are refused by validate(). */
export const archProfiles: Partial<Record<InstanceSpec['config']['arch'], ArchProfile>> = {
  x86_64: { binary: 'qemu-system-x86_64', machine: 'q35', console: 'ttyS0' },
  // gic-version=max: KVM hosts with only a GICv3 refuse the default GICv2.
  aarch64: { binary: 'qemu-system-aarch64', machine: 'virt,gic-version=max', console: 'ttyAMA0' },
  riscv64: { binary: 'qemu-system-riscv64', machine: 'virt', console: 'ttyS0' },
};

export function archProfile(arch: InstanceSpec['config']['arch']): ArchProfile {
  const profile = archProfiles[arch];
  if (!profile) throw new Error(`no QEMU profile for ${arch} (validate() should have refused it)`);
  return profile;
}

/** QEMU option values are comma-separated lists: a literal comma is written twice. */
export function escapeOption(value: string): string {
  return value.replaceAll(',', ',,');
}

/** The -chardev value fragment that names this instance's QMP socket: how we recognise our QEMU in a process list. */
export function qmpMarker(paths: InstancePaths): string {
  return `path=${escapeOption(paths.qmpSocket)},`;
}

/**
 * Adds the serial console to a kernel command line that names none, so the console works out
 * of the box. With a screen, the kernel writes to tty0 as well; the serial port comes last, so
 * it stays /dev/console (where init and its shell talk).
 */
export function kernelCmdline(cmdline: string, console: string, screen = false): string {
  if (/(^|\s)console=/.test(cmdline)) return cmdline;
  return [cmdline.trim(), screen ? 'console=tty0' : '', `console=${console}`].filter(Boolean).join(' ');
}

/** Hardware accelerators run the host's CPU model; TCG emulates the most capable one it has. */
export function cpuModel(accelerator: string): string {
  return accelerator === 'tcg' ? 'max' : 'host';
}

export function qemuCommand(spec: InstanceSpec, paths: InstancePaths, options: QemuCommandOptions): QemuCommand {
  const { config } = spec;
  const profile = archProfile(config.arch);
  const args = [
    '-name', escapeOption(spec.name),
    '-machine', profile.machine,
    '-accel', options.accelerator,
    '-cpu', cpuModel(options.accelerator),
    '-smp', String(config.cpus),
    '-m', `${memoryMiB(config.memoryBytes)}M`,
    // Only the devices listed here: no default NIC, VGA, floppy or parallel port, no host config file.
    '-nodefaults',
    '-no-user-config',
    ...displayArgs(spec, options),
    '-drive', `if=virtio,file=${escapeOption(paths.disk)},format=qcow2,discard=unmap`,
    ...kernelArgs(spec, profile),
    ...cidataArgs(spec),
    ...networkArgs(spec),
    ...mountArgs(spec, paths),
    '-device', 'virtio-rng-pci',
    // One serial port on a socket (serial.ts keeps the one client it accepts), logged for history.
    '-chardev', `socket,id=serial0,path=${escapeOption(paths.serialSocket)},server=on,wait=off,logfile=${escapeOption(paths.serialLog)},logappend=on`,
    '-serial', 'chardev:serial0',
    // QMP; a -chardev (not -qmp unix:...) so the path gets the same comma escaping as everything else.
    '-chardev', `socket,id=qmp0,${qmpMarker(paths)}server=on,wait=off`,
    '-mon', 'chardev=qmp0,mode=control',
    // With a display, the guest waits (-S) until the driver has set the VNC password, then QMP
    // cont; without one nothing needs doing first, so it boots as soon as QEMU is set up.
    ...(heldUntilCont(spec) ? ['-S'] : []),
    // Detach from the driver: own session, stdio closed, the parent exits once the VM is set up.
    '-daemonize',
    '-pidfile', paths.pidFile,
    // Without a -D log, -daemonize sends stderr to /dev/null. With one, QEMU points stderr at it as
    // soon as the options are parsed: start errors and runtime errors alike. guest_errors is the
    // quietest item that opens it.
    '-d', 'guest_errors',
    '-D', paths.log,
    '-msg', 'timestamp=on',
  ];
  return { binary: profile.binary, args };
}

/** Whether QEMU holds the guest (-S) until the driver's QMP cont: only while a VNC password is still to be set. */
export function heldUntilCont(spec: InstanceSpec): boolean {
  return spec.config.display === 'vnc';
}

/**
 * A standard VGA card shown over VNC on loopback only, with a WebSocket listener for the
 * embedded view. password=on refuses every client until the driver sets a password over QMP
 * (set_password), so the password never appears on the command line or in a log.
 */
function displayArgs(spec: InstanceSpec, options: QemuCommandOptions): string[] {
  if (spec.config.display !== 'vnc') return ['-display', 'none'];
  const { vnc } = options;
  if (!vnc) throw new Error('display vnc needs ports (the driver picks them before building the command)');
  // -vnc takes a display number, the port less 5900; websocket= takes a port.
  return ['-device', 'VGA', '-vnc', `127.0.0.1:${vnc.port - 5900},websocket=127.0.0.1:${vnc.websocketPort},password=on`];
}

function kernelArgs(spec: InstanceSpec, profile: ArchProfile): string[] {
  const { kernel, initrd } = spec.config;
  if (!kernel) return [];
  return [
    '-kernel', kernel.path,
    ...(initrd ? ['-initrd', initrd.path] : []),
    '-append', kernelCmdline(kernel.cmdline, profile.console, spec.config.display === 'vnc'),
  ];
}

/** The seed disk as a read-only virtio disk: every architecture has virtio-blk, while q35's
 * CD-ROM sits on AHCI, which Debian's cloud kernels lack. */
function cidataArgs(spec: InstanceSpec): string[] {
  const cidata = spec.config.cidata;
  return cidata ? ['-drive', `file=${escapeOption(cidata.path)},format=raw,if=virtio,readonly=on`] : [];
}

/**
 * User-mode networking: works unprivileged everywhere. The NIC gets the MAC the engine chose (the
 * cidata's network-config finds it by that), and the guest's sshd is reached on a loopback-only
 * host port. romfile= skips the PXE ROM nobody boots from.
 */
export function networkArgs(spec: InstanceSpec): string[] {
  const network = spec.config.network;
  const forward = network?.sshLocalPort ? `,hostfwd=tcp:127.0.0.1:${network.sshLocalPort}-:22` : '';
  const mac = network ? `,mac=${network.macAddress}` : '';
  return ['-netdev', `user,id=net0${forward}`, '-device', `virtio-net-pci,netdev=net0${mac},romfile=`];
}

function memoryMiB(bytes: number): number {
  return Math.floor(bytes / 1024 ** 2);
}

type SpecMount = NonNullable<InstanceSpec['config']['mounts']>[number];

/**
 * Shared folders. 9p: QEMU serves the folder itself (readonly=on when the mount is not
 * writable). virtiofs: a virtiofsd per folder (virtiofsd.ts) listens on a socket in the runtime
 * folder, and vhost-user needs the guest's RAM shared with it, so RAM comes from a memfd
 * backend (share=on) as the one NUMA node. Every host path goes through escapeOption: a
 * folder named "a,readonly=off" stays one value.
 */
export function mountArgs(spec: InstanceSpec, paths: InstancePaths): string[] {
  const mounts = spec.config.mounts ?? [];
  const args = mounts.flatMap((mount) => (mount.type === '9p' ? ninePArgs(mount) : virtiofsArgs(mount, paths)));
  if (mounts.some((m) => m.type === 'virtiofs')) {
    args.push('-object', `memory-backend-memfd,id=mem0,size=${memoryMiB(spec.config.memoryBytes)}M,share=on`, '-numa', 'node,memdev=mem0');
  }
  return args;
}

function ninePArgs(mount: SpecMount): string[] {
  const id = `fs-${mount.tag}`;
  const readonly = mount.writable ? '' : ',readonly=on';
  return [
    '-fsdev', `local,id=${id},path=${escapeOption(mount.hostPath)},security_model=${mount.securityModel ?? 'none'}${readonly}`,
    '-device', `virtio-9p-pci,fsdev=${id},mount_tag=${mount.tag}`,
  ];
}

function virtiofsArgs(mount: SpecMount, paths: InstancePaths): string[] {
  const id = `vfs-${mount.tag}`;
  return [
    '-chardev', `socket,id=${id},path=${escapeOption(virtiofsSocket(paths, mount.tag))}`,
    '-device', `vhost-user-fs-pci,chardev=${id},tag=${mount.tag}`,
  ];
}
