// The rules one instance forwards by: its template's portForwards with Lima's template variables
// filled in ({{.Dir}} the instance folder, {{.UID}} the guest user's uid, ...), relative host
// sockets placed in the instance's `sock` folder.
import os from 'node:os';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { resolveGuestUser } from '../cidata/guest-user.ts';
import { hostnameFor } from '../cidata/hostname.ts';
import type { LimaConfig } from '../instances/config.ts';
import { portForwardRules, variablePattern } from './port-rules.ts';
import type { PortForwardEntry, PortForwardRule } from './port-rules.ts';

type Values = Record<string, string>;

function expand(text: string, values: Values, field: string): string {
  return text.replace(variablePattern, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new DriverError('INVALID_CONFIG', `field "${field}": ${whole} has no value for this instance`, { field });
    return value;
  });
}

export function instancePortForwardRules(config: Pick<LimaConfig, 'user' | 'portForwards'>, instanceDir: string, param: Record<string, string> = {}): PortForwardRule[] {
  const name = path.basename(instanceDir);
  const user = resolveGuestUser(config.user);
  const params = Object.fromEntries(Object.entries(param).map(([key, value]) => [`Param.${key}`, value]));
  const guest: Values = { ...params, Home: user.home, Name: name, Hostname: hostnameFor(name), UID: String(user.uid), User: user.name };
  const host: Values = { ...params, Home: os.homedir(), Dir: instanceDir, Name: name, UID: String(os.userInfo().uid), User: os.userInfo().username };
  const entries = (config.portForwards ?? []).map((entry, index): PortForwardEntry => ({
    ...entry,
    ...(entry.guestSocket === undefined ? {} : { guestSocket: expand(entry.guestSocket, guest, `portForwards[${index}].guestSocket`) }),
    ...(entry.hostSocket === undefined ? {} : { hostSocket: expand(entry.hostSocket, host, `portForwards[${index}].hostSocket`) }),
  }));
  return portForwardRules(entries, instanceDir);
}
