// The libvirt domain of an instance: its identity (a UUID kept in the instance folder, so the
// domain follows the instance through a rename; the domain name is derived from the instance
// name and that UUID) and its XML, a pure function of the spec (unit-tested), with every
// value escaped on its way in.
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { InstanceSpec } from '../sdk/index.ts';
import type { InstancePaths } from './paths.ts';
import type { RemoteFiles } from './remote/instance-files.ts';
import { build, el } from './xml.ts';
import type { XmlNode } from './xml.ts';

export type Arch = InstanceSpec['config']['arch'];

export interface ArchProfile {
  machine: string;
  /** The kernel's name for the first serial port. */
  console: string;
  /** Whether the machine has firmware that boots a disk without a kernel, and a VGA card. */
  pcLike: boolean;
}

/** The guest architectures this driver knows; validate() also asks libvirt whether the host can emulate them. */
export const archProfiles: Partial<Record<Arch, ArchProfile>> = {
  x86_64: { machine: 'q35', console: 'ttyS0', pcLike: true },
  aarch64: { machine: 'virt', console: 'ttyAMA0', pcLike: false },
  riscv64: { machine: 'virt', console: 'ttyS0', pcLike: false },
};

/** libvirt's domain type for an accelerator: 'qemu' is TCG emulation, 'kvm' hardware virtualisation. */
export type DomainType = 'qemu' | 'kvm';
export const acceleratorOf = (type: DomainType): string => (type === 'kvm' ? 'kvm' : 'tcg');

/** Who QEMU runs as: the DAC label of the domain (uid:gid), or libvirt's own default user. */
export type Owner = { uid: number; gid: number } | 'libvirt-default';

export interface DomainIdentity {
  uuid: string;
  name: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The domain name for an instance: recognisable in `virsh list`, unique through the UUID. */
export function domainName(instance: string, uuid: string): string {
  const readable = instance.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'instance';
  return `corral-${readable}-${uuid.slice(0, 8)}`;
}

/** The instance's domain identity from its folder, or undefined when it has none yet. */
export async function readIdentity(spec: InstanceSpec, paths: InstancePaths): Promise<DomainIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(paths.domainFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const uuid = (JSON.parse(text) as { uuid?: unknown }).uuid;
  if (typeof uuid !== 'string' || !uuidPattern.test(uuid)) throw new Error(`${paths.domainFile} holds no domain UUID`);
  return { uuid, name: domainName(spec.name, uuid) };
}

/** The instance's domain identity, made (and written, atomically) on first use. */
export async function ensureIdentity(spec: InstanceSpec, paths: InstancePaths): Promise<DomainIdentity> {
  const known = await readIdentity(spec, paths);
  if (known) return known;
  const uuid = randomUUID();
  const temp = `${paths.domainFile}.tmp`;
  await writeFile(temp, `${JSON.stringify({ uuid })}\n`);
  await rename(temp, paths.domainFile);
  return { uuid, name: domainName(spec.name, uuid) };
}

export async function forgetIdentity(paths: InstancePaths): Promise<void> {
  await rm(paths.domainFile, { force: true });
  await rm(`${paths.domainFile}.tmp`, { force: true });
}

/**
 * Adds the serial console to a kernel command line that names none. With a screen, the kernel
 * writes to tty0 as well; the serial port comes last, so it stays /dev/console.
 */
export function kernelCmdline(cmdline: string, console: string, screen = false): string {
  if (/(^|\s)console=/.test(cmdline)) return cmdline;
  return [cmdline.trim(), screen ? 'console=tty0' : '', `console=${console}`].filter(Boolean).join(' ');
}

export interface DomainOptions {
  identity: DomainIdentity;
  type: DomainType;
  owner: Owner;
  /** The VNC password of this run (display vnc only). */
  vncPassword?: string;
  /** On a remote libvirt host: the remote copies of the spec's files (paths.disk is the remote disk already). */
  remote?: RemoteFiles;
}

export const CORRAL_XML_NAMESPACE = 'https://corral.invalid/libvirt-driver/1';

export function domainXml(spec: InstanceSpec, paths: InstancePaths, options: DomainOptions): string {
  const { config } = spec;
  const profile = archProfiles[config.arch];
  if (!profile) throw new Error(`no libvirt profile for ${config.arch} (validate() should have refused it)`);
  const screen = config.display === 'vnc';
  const remote = options.remote;
  if (screen && !options.vncPassword) throw new Error('display vnc needs a password (the driver makes one before defining the domain)');
  const os: XmlNode[] = [el('type', { arch: config.arch, machine: profile.machine }, 'hvm')];
  if (config.kernel) {
    os.push(el('kernel', {}, remote?.kernel ?? config.kernel.path));
    if (config.initrd) os.push(el('initrd', {}, remote?.initrd ?? config.initrd.path));
    os.push(el('cmdline', {}, kernelCmdline(config.kernel.cmdline, profile.console, screen)));
  } else {
    os.push(el('boot', { dev: 'hd' }));
  }
  const devices: XmlNode[] = [
    el('disk', { type: 'file', device: 'disk' },
      el('driver', { name: 'qemu', type: 'qcow2', discard: 'unmap' }),
      el('source', { file: paths.disk }),
      el('target', { dev: 'vda', bus: 'virtio' })),
  ];
  if (config.cidata) {
    // Read-only and left out of snapshots (it is not the instance's data; raw images cannot hold internal snapshots).
    devices.push(el('disk', { type: 'file', device: 'disk', snapshot: 'no' },
      el('driver', { name: 'qemu', type: 'raw' }),
      el('source', { file: remote?.cidata ?? config.cidata.path }),
      el('target', { dev: 'vdb', bus: 'virtio' }),
      el('readonly')));
  }
  devices.push(
    // No USB controller: nothing here needs one, and q35 would add one by default.
    el('controller', { type: 'usb', model: 'none' }),
    // User-mode networking: no host bridge or firewall rules needed, the same as the QEMU driver.
    // The MAC the engine chose, so the cidata's network-config (matched by MAC) finds this NIC.
    el('interface', { type: 'user' },
      ...(config.network ? [el('mac', { address: config.network.macAddress })] : []),
      el('model', { type: 'virtio' }), el('rom', { enabled: 'no' })),
    // The serial port on a unix socket in the runtime folder (the driver connects to type into it),
    // logged by libvirt (virtlogd) to serial.log, which the driver follows for output.
    // On a remote host neither file is reachable from here: a pty there, read through
    // libvirt's console stream (remote/console.ts).
    remote
      ? el('serial', { type: 'pty' }, el('target', { port: 0 }))
      : el('serial', { type: 'unix' },
        el('source', { mode: 'bind', path: paths.serialSocket }),
        el('log', { file: paths.serialLog, append: 'on' }),
        el('target', { port: 0 })),
  );
  if (screen) {
    devices.push(
      // Loopback only, ports picked by libvirt, a password for every start.
      el('graphics', { type: 'vnc', autoport: 'yes', websocket: -1, listen: '127.0.0.1', passwd: options.vncPassword },
        el('listen', { type: 'address', address: '127.0.0.1' })),
      el('video', {}, el('model', { type: 'vga' })),
    );
  }
  devices.push(
    el('rng', { model: 'virtio' }, el('backend', { model: 'random' }, '/dev/urandom')),
    el('memballoon', { model: 'none' }),
  );
  const domain = el('domain', { type: options.type },
    el('name', {}, options.identity.name),
    el('uuid', {}, options.identity.uuid),
    el('title', {}, `Corral instance ${spec.name}`),
    el('metadata', {}, el('corral:instance', { 'xmlns:corral': CORRAL_XML_NAMESPACE, name: spec.name, dir: spec.dir })),
    el('memory', { unit: 'KiB' }, String(Math.ceil(config.memoryBytes / 1024))),
    el('vcpu', {}, String(config.cpus)),
    el('os', {}, ...os),
    profile.pcLike && el('features', {}, el('acpi'), el('apic')),
    // TCG emulates the most capable CPU it has; KVM passes the host's through.
    el('cpu', { mode: options.type === 'kvm' ? 'host-passthrough' : 'maximum' }),
    el('clock', { offset: 'utc' }),
    el('on_poweroff', {}, 'destroy'),
    el('on_reboot', {}, 'restart'),
    el('on_crash', {}, 'destroy'),
    el('devices', {}, ...devices),
    // QEMU runs as the user who owns the instance folder (relabel: libvirt makes the socket and
    // files it creates that user's too), so no folder has to be opened to libvirt's own user.
    options.owner !== 'libvirt-default' && el('seclabel', { type: 'static', model: 'dac', relabel: 'yes' },
      el('label', {}, `+${options.owner.uid}:+${options.owner.gid}`)),
  );
  return `${build(domain)}\n`;
}
