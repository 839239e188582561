// The NoCloud seed files for an instance: user-data (#cloud-config), meta-data and
// network-config (v2), plus the nerdctl-full archive when containerd is on. A small subset of
// what Lima's cidata templates (pkg/cidata/cidata.TEMPLATE.d) put there: hostname, one
// passwordless-sudo user with SSH keys (the only way in: no password, password logins off),
// growpart, timezone, DNS, the NIC by MAC address, and containerd from the archive.
// The boot flow (provisioning, readiness) is boot-files.ts; mounts and ports are elsewhere.
import { stringify } from 'yaml';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { IsoEntry } from './iso9660.ts';
import { bootFlow } from './boot-files.ts';
import { hostnameFor } from './hostname.ts';
import type { BootFlow, BootFlowOptions } from './boot-files.ts';

/** The archive's name on the cidata disk, Lima's. */
export const nerdctlArchiveName = 'nerdctl-full.tgz';

export interface CidataUser {
  name: string;
  uid: number;
  /** Default /home/NAME.linux, Lima's: never the host's home folder, which a mount may shadow. */
  home?: string;
  /** Default /bin/bash. */
  shell?: string;
  /** Public keys ("ssh-ed25519 AAAA... comment") the guest accepts for the user: at least one. */
  sshAuthorizedKeys: readonly string[];
  /** The user's full name (gecos). */
  comment?: string;
}

export interface CidataOptions {
  user: CidataUser;
  /**
   * cloud-init runs its once-per-instance steps again whenever this changes. Lima gives a new one
   * at every boot (so the user, keys and network follow the config); newInstanceId() makes one.
   */
  instanceId: string;
  /** Default: the instance name made a valid host name (lower case, "." and "_" become "-"). */
  hostname?: string;
  /** An IANA zone such as "Europe/Paris"; unset leaves the image's. */
  timezone?: string;
  /** Name servers; unset leaves what DHCP gives. */
  dns?: readonly string[];
  /** The first NIC's MAC address (the one the driver gives QEMU's NIC). */
  macAddress: string;
  /** containerd from a local nerdctl-full archive (Lima's `containerd:` with its archive fetched). */
  containerd?: { archive: string; system: boolean; user: boolean };
  /** Host folders the driver shares, each found by its tag and mounted at every boot. */
  mounts?: readonly CidataMount[];
  /** The boot flow (boot-files.ts) with the template's provisioning; the engine always gives one (readiness needs it). */
  boot?: Pick<BootFlowOptions, 'provision' | 'probes' | 'env' | 'param'>;
}

/** A shared folder as the guest mounts it: `mount -t TYPE -o OPTIONS TAG MOUNTPOINT`. */
export interface CidataMount {
  tag: string;
  mountPoint: string;
  type: '9p' | 'virtiofs';
  options: string;
}

export interface CidataInstance {
  name: string;
}

/** The files of the cidata disk, ready for writeCidataIso(). */
export function cidataFiles(instance: CidataInstance, options: CidataOptions): IsoEntry[] {
  const hostname = options.hostname ?? hostnameFor(instance.name);
  // cloud-init reads YAML 1.1 (PyYAML), where an unquoted 52:55:55:48:47:10 is a base-60 number
  // and yes/on are booleans: version 1.1 quotes such strings. lineWidth 0: no folding of long
  // commands over several lines (valid YAML, but hard to read).
  const yaml = (value: unknown, header = '') => new TextEncoder().encode(header + stringify(value, { version: '1.1', lineWidth: 0 }));
  const flow = options.boot && bootFlow({
    ...options.boot,
    instanceId: options.instanceId,
    user: { name: options.user.name, uid: options.user.uid, home: options.user.home ?? `/home/${options.user.name}.linux` },
  });
  const entries: IsoEntry[] = [
    { name: 'user-data', data: yaml(userData(hostname, options, flow), '#cloud-config\n') },
    { name: 'meta-data', data: yaml({ 'instance-id': options.instanceId, 'local-hostname': hostname }) },
    { name: 'network-config', data: yaml(networkConfig(options.macAddress)) },
  ];
  if (flow) entries.push(...flow.entries);
  if (options.containerd) entries.push({ name: nerdctlArchiveName, data: { path: options.containerd.archive } });
  return entries;
}

/** A fresh instance-id, Lima's shape (iid-SECONDS), in milliseconds so two quick starts differ. */
export function newInstanceId(now = Date.now()): string {
  return `iid-${now}`;
}

function userData(hostname: string, options: CidataOptions, flow: BootFlow | undefined): Record<string, unknown> {
  const { user } = options;
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user.name)) {
    throw new DriverError('INVALID_CONFIG', `"${user.name}" is not a valid Linux user name`, { field: 'user.name' });
  }
  // cloud-init rejects the whole user-data over an empty key list, and the user would have no way in.
  if (user.sshAuthorizedKeys.length === 0) {
    throw new DriverError('INVALID_CONFIG', `no SSH public key for guest user "${user.name}": the cidata needs at least one`, { field: 'ssh' });
  }
  const home = user.home ?? `/home/${user.name}.linux`;
  return {
    hostname,
    manage_etc_hosts: 'localhost',
    // Images ship small; the disk the driver made is bigger: grow the root partition into it.
    growpart: { mode: 'auto', devices: ['/'] },
    ...(options.timezone ? { timezone: options.timezone } : {}),
    ...(options.dns?.length ? { manage_resolv_conf: true, resolv_conf: { nameservers: [...options.dns] } } : {}),
    // Keys are the only way in: no password is set (lock_passwd), and sshd refuses passwords.
    ssh_pwauth: false,
    users: [{
      name: user.name,
      uid: user.uid,
      ...(user.comment ? { gecos: user.comment } : {}),
      homedir: home,
      shell: user.shell ?? '/bin/bash',
      sudo: 'ALL=(ALL) NOPASSWD:ALL',
      lock_passwd: true,
      ssh_authorized_keys: [...user.sshAuthorizedKeys],
    }],
    // Shared folders first (each mounted at every boot), then Corral's boot flow (boot-script.ts):
    // mode-boot scripts early at every boot, the rest per boot.
    ...(options.mounts?.length || flow ? { bootcmd: [...(options.mounts ?? []).map(mountCommand), ...(flow?.bootcmd ?? [])] } : {}),
    ...(flow ? { write_files: flow.writeFiles } : {}),
    ...(options.containerd ? { runcmd: containerdCommands(options.containerd, user.name, user.uid) } : {}),
  };
}

/**
 * Mounts one shared folder, at every boot (bootcmd), before users and services. Not cloud-init's
 * `mounts:`: version 22.4 (Debian 12) drops a device that is not a block device or host:path, as
 * a 9p or virtiofs tag is. Like Lima's `nofail`, a share that cannot be mounted is reported on
 * the console and never stops the boot.
 */
function mountCommand(mount: CidataMount): string {
  const point = shellQuote(mount.mountPoint);
  const tag = shellQuote(mount.tag);
  return `mkdir -p ${point} && { mountpoint -q ${point} || mount -t ${mount.type} -o ${shellQuote(mount.options)} ${tag} ${point}; } `
    + `|| printf 'corral: could not mount shared folder %s on %s\\n' ${tag} ${point} >&2`;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Installs nerdctl-full from the cidata disk, as Lima's boot script 40-install-containerd.sh
 * does: unpack into /usr/local, then start the system daemons and/or the user's rootless ones.
 */
function containerdCommands(containerd: { system: boolean; user: boolean }, user: string, uid: number): string[] {
  const commands = [
    'mkdir -p /mnt/cidata',
    `mount -o ro LABEL=cidata /mnt/cidata`,
    `tar Cxzf /usr/local /mnt/cidata/${nerdctlArchiveName}`,
    'umount /mnt/cidata',
  ];
  if (containerd.system) commands.push('systemctl daemon-reload', 'systemctl enable --now containerd buildkit');
  if (containerd.user) {
    const env = `XDG_RUNTIME_DIR=/run/user/${uid} PATH=/usr/local/bin:/usr/bin:/bin`;
    commands.push(
      `loginctl enable-linger ${user}`,
      // The user's systemd starts asynchronously after enable-linger; rootless setup needs its bus.
      `timeout 60 sh -c 'until [ -S /run/user/${uid}/systemd/private ]; do sleep 1; done'`,
      `sudo -iu ${user} ${env} containerd-rootless-setuptool.sh install`,
      `sudo -iu ${user} ${env} containerd-rootless-setuptool.sh install-buildkit`,
    );
  }
  return commands;
}

/**
 * Netplan-style v2, Lima's: the NIC found by its MAC address and renamed eth0 (set-name), with
 * DHCP. Matching by name instead breaks guests whose renderer writes the name it was given
 * (ifupdown's `auto eth0`) while the kernel calls the NIC enp0s1.
 */
function networkConfig(macAddress: string): Record<string, unknown> {
  return {
    version: 2,
    ethernets: { eth0: { match: { macaddress: macAddress.toLowerCase() }, 'set-name': 'eth0', dhcp4: true, 'dhcp-identifier': 'mac' } },
  };
}
