// The guest's login user, as Lima fills in `user:`: the host user's name, uid and full name,
// home /home/NAME.linux and /bin/bash, unless the template says otherwise. A host name that
// is not a valid Linux user name, or one the guest reserves (root, admin), becomes Lima's
// fallback user "lima" (uid 1000), so `corral` run as root still gets an ordinary user.
import os from 'node:os';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

export interface GuestUser {
  name: string;
  uid: number;
  comment: string;
  home: string;
  shell: string;
}

/** Lima's `user:` fields, each optional. */
export interface GuestUserConfig {
  name?: string | undefined;
  comment?: string | undefined;
  home?: string | undefined;
  shell?: string | undefined;
  uid?: number | undefined;
}

/** What useradd accepts (Lima's rule: no trailing "$"). */
export const validUserName = /^[a-z_][a-z0-9_-]{0,31}$/;
export const fallbackUser = { name: 'lima', uid: 1000 } as const;
const reservedNames = new Set(['root', 'admin']);

export interface HostUser {
  username: string;
  uid: number;
  /** The full name (gecos), when known. */
  comment?: string;
}

export function hostUser(): HostUser {
  const info = os.userInfo();
  return { username: info.username, uid: info.uid };
}

/** The host user as the default guest user, or Lima's fallback when it cannot be one. */
function defaultUser(host: HostUser): { name: string; uid: number; comment: string } {
  if (!validUserName.test(host.username) || reservedNames.has(host.username) || host.uid <= 0) return { ...fallbackUser, comment: '' };
  return { name: host.username, uid: host.uid, comment: host.comment ?? '' };
}

/** `config` with Lima's defaults filled in; a template's own bad value is an error naming the field. */
export function resolveGuestUser(config: GuestUserConfig | undefined, host: HostUser = hostUser()): GuestUser {
  const fallback = defaultUser(host);
  const name = config?.name ?? fallback.name;
  if (!validUserName.test(name)) {
    throw new DriverError('INVALID_CONFIG', `field "user.name": "${name}" is not a valid Linux user name (lower-case letters, digits, "_" and "-", at most 32, not starting with a digit)`, { field: 'user.name' });
  }
  if (name === 'root') throw new DriverError('INVALID_CONFIG', 'field "user.name": the guest user cannot be root; pick another name or leave it unset', { field: 'user.name' });
  const uid = config?.uid ?? fallback.uid;
  if (uid === 0) throw new DriverError('INVALID_CONFIG', 'field "user.uid": the guest user cannot have uid 0; pick another uid or leave it unset', { field: 'user.uid' });
  const home = config?.home ?? `/home/${name}.linux`;
  if (!home.startsWith('/')) throw new DriverError('INVALID_CONFIG', `field "user.home": "${home}" is not an absolute path`, { field: 'user.home' });
  const shell = config?.shell ?? '/bin/bash';
  if (!shell.startsWith('/')) throw new DriverError('INVALID_CONFIG', `field "user.shell": "${shell}" is not an absolute path`, { field: 'user.shell' });
  return { name, uid, comment: config?.comment ?? fallback.comment, home, shell };
}
