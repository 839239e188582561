// The template's `mounts` and `mountType` turned into what the driver shares (spec mounts) and
// what the guest mounts (cloud-init `mounts:` entries), with Lima's defaults: without a `mounts`
// field, the host home read-only and /tmp/lima writable; mount type 9p unless the template rules
// it out. Pure: the host folders themselves are checked by locations.ts.
import os from 'node:os';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { InstanceSpec, MountType } from '../../../src-drivers/sdk/protocol.ts';
import type { LimaConfig } from '../instances/config.ts';
import { parseSize } from '../instances/sizes.ts';

export type SpecMount = NonNullable<InstanceSpec['config']['mounts']>[number];

/** One line of cloud-init's `mounts:` (an fstab entry): the device is the driver's tag. */
export interface GuestMount {
  tag: string;
  mountPoint: string;
  type: MountType;
  options: string;
}

export interface ResolvedMounts {
  /** What the driver shares, in template order. */
  mounts: SpecMount[];
  guest: GuestMount[];
  /** Host folders Corral may create when missing: Lima's default /tmp/lima, never a template's. */
  creatable: string[];
  warnings: string[];
  /**
   * Why Lima's default folders are not shared, when they are not (no `mounts` in the template,
   * and no mount type both the guest and the driver can use): the instance page says it. No
   * warning: the user did not ask for them.
   */
  skipped?: string;
}

export interface MountContext {
  /** The driver's name, for messages. */
  driver: string;
  /** The mount types the driver declares (capability `mounts`). */
  supported: readonly MountType[];
  /** What `~` stands for; default: this user's home folder. */
  homeDir?: string;
}

type TemplateMount = NonNullable<LimaConfig['mounts']>[number];

/** Lima's default mounts (pkg/limayaml before v2.0): the home folder read-only, /tmp/lima writable. */
export const defaultMounts: readonly TemplateMount[] = [{ location: '~' }, { location: '/tmp/lima', writable: true }];

const mountTypes: readonly MountType[] = ['9p', 'virtiofs'];
/** Lima's 9p defaults (pkg/limayaml/defaults.go). */
const ninePDefaults = { securityModel: 'none', protocolVersion: '9p2000.L', msize: '128KiB', cacheReadOnly: 'fscache', cacheWritable: 'mmap' } as const;

const invalid = (field: string, message: string): DriverError => new DriverError('INVALID_CONFIG', `field "${field}": ${message}`, { field });

export function resolveMounts(config: LimaConfig, context: MountContext): ResolvedMounts {
  const asked = config.mounts !== undefined;
  const entries = config.mounts ?? defaultMounts;
  const none: ResolvedMounts = { mounts: [], guest: [], creatable: [], warnings: [] };
  if (entries.length === 0) return none;
  const type = chooseType(config, context, asked);
  if (!type) {
    const skipped = context.supported.length === 0
      ? `the ${context.driver} driver shares no folders`
      : `its template says the guest cannot mount ${context.supported.join(' or ')} (mountTypesUnsupported), and the ${context.driver} driver offers no other kind here`;
    return { ...none, skipped };
  }
  const home = context.homeDir ?? os.homedir();
  const resolved: ResolvedMounts = { ...none, warnings: [] };
  entries.forEach((entry, index) => {
    const hostPath = expandHome(entry.location, home, `mounts[${index}].location`);
    const mountPoint = entry.mountPoint ?? hostPath;
    checkMountPoint(mountPoint, `mounts[${index}].mountPoint`);
    const tag = `mount${index}`;
    const writable = entry.writable ?? false;
    const securityModel = entry['9p']?.securityModel ?? ninePDefaults.securityModel;
    resolved.mounts.push({ tag, hostPath, mountPoint, writable, type, ...(type === '9p' ? { securityModel } : {}) });
    resolved.guest.push({ tag, mountPoint, type, options: guestOptions(entry, type, writable) });
    if (!asked) resolved.creatable.push(hostPath);
  });
  return resolved;
}

/** The template's mountType, or Lima's default (9p, else virtiofs when 9p is ruled out); undefined: skip default mounts. */
function chooseType(config: LimaConfig, context: MountContext, asked: boolean): MountType | undefined {
  const ruledOut = new Set(config.mountTypesUnsupported ?? []);
  const wanted = config.mountType;
  const offers = context.supported.length ? `it offers ${context.supported.join(', ')}` : 'it shares no folders';
  if (wanted !== undefined) {
    const type = mountTypes.find((t) => t === wanted);
    if (!type) throw invalid('mountType', `"${wanted}" is not a mount type Corral has; use 9p or virtiofs`);
    if (ruledOut.has(type)) throw invalid('mountType', `"${type}" is listed in mountTypesUnsupported: this guest cannot mount it; pick another mountType`);
    if (!context.supported.includes(type)) throw invalid('mountType', `driver ${context.driver} cannot share folders with mountType "${type}" (${offers}); set mountType to one it offers, or "mounts: []" for none`);
    return type;
  }
  const type = mountTypes.find((t) => !ruledOut.has(t) && context.supported.includes(t));
  if (type || !asked) return type;
  const allowed = mountTypes.filter((t) => !ruledOut.has(t));
  throw invalid('mounts', `driver ${context.driver} cannot share folders with ${allowed.length ? allowed.join(' or ') : 'any mount type'} the template allows (${offers}); set mountType, or "mounts: []" for none`);
}

/** `~` and `~/x` are the host home (Lima's rule); anything else must be absolute already. */
function expandHome(location: string, home: string, field: string): string {
  const expanded = location === '~' ? home : location.startsWith('~/') ? path.join(home, location.slice(2)) : location;
  if (location.includes('{{')) throw invalid(field, `"${location}": Lima's {{...}} templates in mount locations are not supported; write the path out`);
  if (!path.isAbsolute(expanded)) throw invalid(field, `"${location}" is not an absolute path; write it from / (or ~ for your home folder)`);
  return path.normalize(expanded).replace(/(.)\/$/, '$1');
}

/** A guest path: absolute, one line (the guest's boot command quotes it, so spaces are fine). */
function checkMountPoint(mountPoint: string, field: string): void {
  if (!mountPoint.startsWith('/')) throw invalid(field, `"${mountPoint}" is not an absolute path in the guest; write it from /`);
  if (/[\n\r\0]/.test(mountPoint)) throw invalid(field, `${JSON.stringify(mountPoint)} has a line break or NUL; pick another mountPoint`);
}

/** Lima's options (pkg/cidata): ro/rw, 9p's transport, protocol, msize and cache; nofail so a missing share never stops the boot. */
function guestOptions(entry: TemplateMount, type: MountType, writable: boolean): string {
  const options = [writable ? 'rw' : 'ro'];
  if (type === '9p') {
    const ninep = entry['9p'];
    const msize = parseSize(ninep?.msize ?? ninePDefaults.msize) ?? 131072;
    options.push('trans=virtio', `version=${ninep?.protocolVersion ?? ninePDefaults.protocolVersion}`, `msize=${msize}`,
      `cache=${ninep?.cache ?? (writable ? ninePDefaults.cacheWritable : ninePDefaults.cacheReadOnly)}`);
  }
  options.push('nofail');
  return options.join(',');
}
