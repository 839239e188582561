// The libvirt driver's definition: its handshake (identity, capabilities, whether virsh is
// installed and libvirt answers) and the factory serveDriver() calls to configure it.
//
// Settings are a connection's, declared in the handshake and given at configure() (the engine
// fills the default connection's from its CORRAL_LIBVIRT_* variables, named after each):
//   uri    CORRAL_LIBVIRT_URI    the connection URI (default qemu:///system)
//   accel  CORRAL_LIBVIRT_ACCEL  tcg (default: domain type 'qemu') or kvm (domain type 'kvm')
//   owner  CORRAL_LIBVIRT_OWNER  UID:GID QEMU runs as, or "libvirt" for libvirt's own default user;
//                                default: this process's uid:gid for a local qemu:///system, else "libvirt"
import path from 'node:path';
import type { Driver, DriverContext, DriverDefinition, DriverSettings, SettingDeclaration } from '../sdk/index.ts';
import { DriverError } from '../sdk/index.ts';
import { checkConnection } from './connection-check.ts';
import type { ConnectionFound } from './connection-check.ts';
import { acceleratorOf } from './domain.ts';
import type { DomainType, Owner } from './domain.ts';
import { URI_ENV, URI_PATTERN, Virsh, connectionUri, isRemoteUri, useConnectionUri } from './virsh.ts';
import { checkUriCharacters } from './remote/ssh.ts';
import { LibvirtDriver } from './vm.ts';
import type { LibvirtSettings } from './vm.ts';

export const DRIVER_NAME = 'libvirt';
export const DRIVER_VERSION = '0.1.0';
export const ACCEL_ENV = 'CORRAL_LIBVIRT_ACCEL';
export const OWNER_ENV = 'CORRAL_LIBVIRT_OWNER';

export function domainType(env: NodeJS.ProcessEnv = process.env): DomainType {
  const value = (env[ACCEL_ENV] ?? 'tcg').trim().toLowerCase();
  if (value === 'tcg' || value === 'qemu' || value === '') return 'qemu';
  if (value === 'kvm') return 'kvm';
  throw new DriverError('INVALID_CONFIG', `${ACCEL_ENV}=${value} is not an accelerator this driver knows (tcg or kvm)`, { field: ACCEL_ENV });
}

/** Who QEMU runs as. A local system libvirt runs it as the user who runs Corral (see README). */
export function owner(uri: string, env: NodeJS.ProcessEnv = process.env): Owner {
  const value = env[OWNER_ENV]?.trim();
  if (value === 'libvirt') return 'libvirt-default';
  if (value) {
    const match = /^(\d+):(\d+)$/.exec(value);
    if (!match) throw new DriverError('INVALID_CONFIG', `${OWNER_ENV}=${value} must be UID:GID (numbers) or "libvirt"`, { field: OWNER_ENV });
    return { uid: Number(match[1]), gid: Number(match[2]) };
  }
  // qemu:///session already runs QEMU as its user; a remote host's uids are not ours.
  const systemLocal = !isRemoteUri(uri) && /^[a-z0-9+]+:\/\/\/system\b/.test(uri);
  // CORRAL_HOST_IDS: the real ids, from a sandbox that runs the driver under another uid.
  const host = /^(\d+):(\d+)$/.exec(env.CORRAL_HOST_IDS ?? '');
  if (systemLocal && host) return { uid: Number(host[1]), gid: Number(host[2]) };
  if (systemLocal && process.getuid && process.getgid) return { uid: process.getuid(), gid: process.getgid() };
  return 'libvirt-default';
}

/** What a connection may set, in the handshake (the engine validates against it). */
export const settingDeclarations: SettingDeclaration[] = [
  { name: 'uri', type: 'string', description: 'the libvirt connection URI', secret: false, required: false, pattern: URI_PATTERN, example: 'qemu+ssh://user@host/system' },
  { name: 'accel', type: 'string', description: 'tcg or kvm', secret: false, required: false, pattern: 'tcg|kvm|qemu', example: 'tcg' },
  { name: 'owner', type: 'string', description: 'UID:GID QEMU runs as, or "libvirt"', secret: false, required: false, pattern: '[0-9]+:[0-9]+|libvirt', example: '1000:1000' },
];

/** The configured settings as the variables they replace; they win over the environment (hand runs). */
let configuredEnv: NodeJS.ProcessEnv = {};

export function settingsFromEnv(env: NodeJS.ProcessEnv = { ...process.env, ...configuredEnv }): LibvirtSettings {
  const uri = connectionUri(env);
  // libvirt and the remote console hand parts of the URI to a shell.
  if (isRemoteUri(uri)) checkUriCharacters(uri);
  return { virsh: new Virsh(uri), type: domainType(env), owner: owner(uri, env), local: !isRemoteUri(uri) };
}

/** How long an availability answer is reused: hello() doubles as the engine's health check. */
const AVAILABILITY_TTL_MS = 10_000;
/** Well inside the engine's health-check deadline (10 s), so a slow libvirt never gets the driver restarted. */
const AVAILABILITY_TIMEOUT_MS = 5_000;
/** A remote libvirt needs an ssh login first (seconds on a busy machine), still inside the engine's deadline. */
const REMOTE_AVAILABILITY_TIMEOUT_MS = 9_000;
let lastAvailability: { uri: string; at: number; answer: Promise<ConnectionFound> } | undefined;

async function checkAvailability(virsh: Virsh): Promise<ConnectionFound> {
  if (process.platform !== 'linux') return { available: { ok: false, reason: `the libvirt driver does not run on ${process.platform}` } };
  // Run it rather than look for it on PATH: inside the bundle sandbox only running it is allowed.
  return checkConnection(virsh, isRemoteUri(virsh.uri) ? REMOTE_AVAILABILITY_TIMEOUT_MS : AVAILABILITY_TIMEOUT_MS);
}

/** Whether virsh runs and libvirt's QEMU driver answers; one `virsh version` at most every few seconds. */
function availability(virsh: Virsh): Promise<ConnectionFound> {
  const now = Date.now();
  if (lastAvailability?.uri !== virsh.uri || now - lastAvailability.at > AVAILABILITY_TTL_MS) {
    lastAvailability = { uri: virsh.uri, at: now, answer: checkAvailability(virsh) };
  }
  return lastAvailability.answer;
}

export const libvirtDriver: DriverDefinition = {
  async describe() {
    let settings: LibvirtSettings | undefined;
    let problem: string | undefined;
    try {
      settings = settingsFromEnv();
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    const contact = settings ? await availability(settings.virsh) : undefined;
    return {
      name: DRIVER_NAME,
      version: DRIVER_VERSION,
      description: `Runs VMs as libvirt QEMU domains through virsh (${settings?.virsh.uri ?? connectionUri()}${contact?.found ? `: ${contact.found}` : ''}): serial console, VNC, pause, internal snapshots.`,
      platforms: ['linux'],
      settings: settingDeclarations,
      capabilities: {
        pause: true,
        snapshots: true,
        display: ['vnc'],
        console: ['serial'],
        imageFormats: ['qcow2', 'raw'],
        accelerators: [acceleratorOf(settings?.type ?? 'qemu')],
        ssh: false, // see noSshReason in validate.ts
      },
      available: contact?.available ?? { ok: false, reason: problem ?? 'invalid settings' },
    };
  },

  async configure(driverSettings: DriverSettings, context: DriverContext): Promise<Driver> {
    const text = (name: string) => { const value = driverSettings.values[name]; return typeof value === 'string' ? value : undefined; };
    const given: Array<[string, string | undefined]> = [[URI_ENV, text('uri')], [ACCEL_ENV, text('accel')], [OWNER_ENV, text('owner')]];
    configuredEnv = Object.fromEntries(given.filter(([, value]) => value !== undefined));
    useConnectionUri(text('uri'));
    const settings = settingsFromEnv();
    // XML documents for virsh are written here for the moment of one call.
    settings.virsh.useScratchDir(path.join(driverSettings.cacheDir, 'virsh'));
    return new LibvirtDriver(settings, context);
  },
};
