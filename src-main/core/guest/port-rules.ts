// lima.yaml's portForwards: the schema of one entry as a template writes it (checked at create,
// errors naming the field), the rule it becomes with Lima's defaults filled in, and Lima's way of
// choosing the rule for a port a guest program listens on: the first matching rule wins, SSH's
// ports are never forwarded, and a fallback rule forwards the rest to the same port on 127.0.0.1.
import net from 'node:net';
import path from 'node:path';
import * as z from 'zod';

const port = z.number().int().min(1, 'expected a port from 1 to 65535').max(65535, 'expected a port from 1 to 65535');
const portRange = z.tuple([port, port], { error: 'expected [first, last], two ports from 1 to 65535' });
const ip = z.string().refine((value) => net.isIP(value) !== 0, 'expected an IP address such as "127.0.0.1" or "0.0.0.0"');

/** Lima's template variables in guestSocket and hostSocket (guest-side and host-side values). */
export const socketVariables = {
  guestSocket: ['Home', 'Name', 'Hostname', 'UID', 'User'],
  hostSocket: ['Home', 'Dir', 'Name', 'UID', 'User'],
} as const;
export const variablePattern = /\{\{\s*\.(\w+(?:\.\w+)?)\s*\}\}/g;

const socketPath = (field: keyof typeof socketVariables) => z.string().min(1).superRefine((value, ctx) => {
  for (const [, name = ''] of value.matchAll(variablePattern)) {
    if (!(socketVariables[field] as readonly string[]).includes(name) && !name.startsWith('Param.')) {
      ctx.addIssue({ code: 'custom', message: `{{.${name}}} is not one of Lima's variables here (${socketVariables[field].map((v) => `{{.${v}}}`).join(', ')}, {{.Param.KEY}})` });
    }
  }
});

/** One portForwards entry as written in lima.yaml. */
export const portForwardSchema = z.object({
  guestIP: ip.optional(),
  guestIPMustBeZero: z.boolean().optional(),
  guestPort: port.optional(),
  guestPortRange: portRange.optional(),
  guestSocket: socketPath('guestSocket').refine((value) => value.startsWith('/') || value.startsWith('{{'), 'expected an absolute path in the guest').optional(),
  hostIP: ip.optional(),
  hostPort: port.optional(),
  hostPortRange: portRange.optional(),
  hostSocket: socketPath('hostSocket').optional(),
  proto: z.enum(['tcp', 'udp', 'any']).optional(),
  ignore: z.boolean().optional(),
  // Every single-port rule is forwarded at start anyway, so `static` changes nothing here.
  static: z.boolean().optional(),
  reverse: z.literal(false, 'reverse forwards (host to guest) are not supported; remove "reverse"').optional(),
}).strict().superRefine((rule, ctx) => {
  const issue = (field: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [field], message });
  const guest = rule.guestPortRange ?? (rule.guestPort ? [rule.guestPort, rule.guestPort] : undefined);
  const host = rule.hostPortRange ?? (rule.hostPort ? [rule.hostPort, rule.hostPort] : undefined);
  if (rule.guestPort && rule.guestPortRange && rule.guestPortRange[0] !== rule.guestPort) issue('guestPort', 'must equal guestPortRange[0] when both are set');
  if (rule.hostPort && rule.hostPortRange && rule.hostPortRange[0] !== rule.hostPort) issue('hostPort', 'must equal hostPortRange[0] when both are set');
  if (guest && guest[0] > guest[1]) issue('guestPortRange', 'the first port must not be above the last');
  if (host && host[0] > host[1]) issue('hostPortRange', 'the first port must not be above the last');
  if (rule.proto === 'udp' && (rule.guestSocket || rule.hostSocket)) issue('proto', 'udp forwards ports, not unix sockets; remove proto or the socket');
  if (rule.guestSocket) {
    if (rule.guestPort || rule.guestPortRange) issue('guestSocket', 'a rule forwards either a guest socket or guest ports, not both');
    if (!rule.hostSocket && !rule.hostPort) issue('guestSocket', 'needs hostSocket (a path on the host) or hostPort to forward to');
    if (rule.hostPortRange && rule.hostPortRange[0] !== rule.hostPortRange[1]) issue('hostPortRange', 'a guest socket forwards to one host port, not a range');
  } else if (rule.hostSocket) {
    if (!guest || guest[0] !== guest[1]) issue('hostSocket', 'needs guestSocket or a single guestPort to forward from');
  } else if (guest && host && guest[1] - guest[0] !== host[1] - host[0]) {
    issue('hostPortRange', `must hold as many ports as guestPortRange (${guest[1] - guest[0] + 1}), not ${host[1] - host[0] + 1}`);
  }
  if (rule.guestIPMustBeZero && rule.guestIP !== undefined && rule.guestIP !== '0.0.0.0') issue('guestIPMustBeZero', 'can only be true when guestIP is 0.0.0.0');
});
export type PortForwardEntry = z.infer<typeof portForwardSchema>;

/** A portForwards entry with Lima's defaults filled in. */
export interface PortForwardRule {
  /** Where it came from, for messages: `portForwards[2]`, or Lima's built-in `ssh` and `default` rules. */
  origin: string;
  guestIP: string;
  /** With guestIP 0.0.0.0: true matches only programs bound to 0.0.0.0, false any address. */
  guestIPMustBeZero: boolean;
  guestPortRange: [number, number];
  guestSocket?: string | undefined;
  hostIP: string;
  hostPortRange: [number, number];
  hostSocket?: string | undefined;
  proto: 'tcp' | 'udp' | 'any';
  ignore: boolean;
}

/** Lima's FillPortForwardDefaults; a relative hostSocket is a file in the instance's `sock` folder. */
export function portForwardRule(entry: PortForwardEntry, origin: string, instanceDir: string): PortForwardRule {
  const guestIP = entry.guestIP ?? (entry.guestIPMustBeZero ? '0.0.0.0' : '127.0.0.1');
  const guestPortRange = entry.guestPortRange ?? (entry.guestPort ? [entry.guestPort, entry.guestPort] : [1, 65535]);
  const hostPortRange = entry.hostPortRange ?? (entry.hostPort ? [entry.hostPort, entry.hostPort] : guestPortRange);
  const hostSocket = entry.hostSocket === undefined ? undefined : path.resolve(instanceDir, 'sock', entry.hostSocket);
  return {
    origin,
    guestIP,
    guestIPMustBeZero: entry.guestIPMustBeZero ?? guestIP === '0.0.0.0',
    guestPortRange: [...guestPortRange],
    guestSocket: entry.guestSocket,
    hostIP: entry.hostIP ?? '127.0.0.1',
    hostPortRange: [...hostPortRange],
    hostSocket,
    proto: entry.proto ?? 'tcp',
    ignore: entry.ignore ?? false,
  };
}

/** The template's rules, in its order. */
export function portForwardRules(entries: readonly PortForwardEntry[] | undefined, instanceDir: string): PortForwardRule[] {
  return (entries ?? []).map((entry, index) => portForwardRule(entry, `portForwards[${index}]`, instanceDir));
}

const ssh = (guestPort: number): PortForwardRule => ({
  origin: 'ssh', guestIP: '0.0.0.0', guestIPMustBeZero: false, guestPortRange: [guestPort, guestPort],
  hostIP: '127.0.0.1', hostPortRange: [guestPort, guestPort], proto: 'any', ignore: true,
});

/** Lima's fallback: every guest port on 127.0.0.1 (and so 0.0.0.0, ::, ::1) to the same port on 127.0.0.1. */
export const defaultRule: PortForwardRule = {
  origin: 'default', guestIP: '127.0.0.1', guestIPMustBeZero: false, guestPortRange: [1, 65535],
  hostIP: '127.0.0.1', hostPortRange: [1, 65535], proto: 'any', ignore: false,
};

/** What Lima checks, in order: SSH's ports (22, and the host's SSH port), the template's rules, the fallback. */
export function effectiveRules(templateRules: readonly PortForwardRule[], sshLocalPort: number): PortForwardRule[] {
  return [ssh(22), ...(sshLocalPort === 22 ? [] : [ssh(sshLocalPort)]), ...templateRules, defaultRule];
}

/** A socket a guest program listens on: TCP, or UDP when it says so. */
export interface GuestListener {
  ip: string;
  port: number;
  proto?: 'udp';
}

/** Whether a rule covers the listener's protocol (Lima's `any` covers both). */
const protoMatches = (rule: PortForwardRule, listener: GuestListener): boolean => rule.proto === 'any' || rule.proto === (listener.proto ?? 'tcp');

export type ListenerDecision =
  | { forward: true; rule: PortForwardRule; hostIP: string; hostPort: number }
  | { forward: false; reason: string };

const unspecified = (address: string): boolean => address === '0.0.0.0' || address === '::';

function ipMatches(rule: PortForwardRule, listenerIP: string): boolean {
  if (unspecified(listenerIP) || listenerIP === rule.guestIP) return true;
  if (listenerIP === '::1' && rule.guestIP === '127.0.0.1') return true;
  return rule.guestIP === '0.0.0.0' && !rule.guestIPMustBeZero;
}

/** Lima's forwardingAddresses: the first rule that matches decides. */
export function decide(rules: readonly PortForwardRule[], listener: GuestListener): ListenerDecision {
  for (const rule of rules) {
    if (rule.guestSocket !== undefined || !protoMatches(rule, listener)) continue;
    if (listener.port < rule.guestPortRange[0] || listener.port > rule.guestPortRange[1]) continue;
    if (!ipMatches(rule, listener.ip)) continue;
    if (rule.ignore) {
      // A rule ignoring one address does not ignore a program bound to every address.
      if (unspecified(listener.ip) && !unspecified(rule.guestIP)) continue;
      return { forward: false, reason: rule.origin === 'ssh' ? 'SSH port' : `ignored by ${rule.origin}` };
    }
    const hostPort = listener.port + rule.hostPortRange[0] - rule.guestPortRange[0];
    // A privileged host port only by a rule the user wrote, never by the fallback.
    if (rule.origin === 'default' && hostPort < 1024) return { forward: false, reason: 'ports below 1024 are forwarded only by a portForwards rule' };
    return { forward: true, rule, hostIP: rule.hostIP, hostPort };
  }
  return { forward: false, reason: 'no portForwards rule matches' };
}

/**
 * Rules forwarded at start, whether or not anything listens yet: a guest socket, or one guest
 * port (Lima's static rules; for a single port this also keeps a port whose program restarts).
 */
export function isStaticRule(rule: PortForwardRule): boolean {
  if (rule.ignore || rule.origin === 'ssh' || rule.origin === 'default') return false;
  return rule.guestSocket !== undefined || rule.guestPortRange[0] === rule.guestPortRange[1];
}
