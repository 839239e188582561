// What should be forwarded right now: the static rules, then each port guest programs listen
// on, as the first matching rule says. One host address carries one forward: the first claim
// on it wins (a static rule over a discovered port, 0.0.0.0 over :: for the same program).
import net from 'node:net';
import type { PortForward } from './ports-file.ts';
import { decide, isStaticRule } from './port-rules.ts';
import type { GuestListener, PortForwardRule } from './port-rules.ts';

export interface PlannedForward {
  /** The host side (address:port or socket path, `udp:` first for UDP): unique among live forwards. */
  key: string;
  /** The `-L` argument for ssh (TCP and sockets). */
  spec: string;
  /** Where the guest program is reached from inside the guest (a UDP forward's relay sends there). */
  guest: { host: string; port: number };
  forward: PortForward;
  origin: string;
}

export interface SkippedListener {
  listener: GuestListener;
  reason: string;
}

const hostPortSpec = (ip: string, port: number): string => (net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`);

/** The address to reach a guest program at from inside the guest: a wildcard bind answers on loopback. */
function guestAddress(ip: string): string {
  if (ip === '0.0.0.0') return '127.0.0.1';
  if (ip === '::') return '::1';
  return ip;
}

/** The forward's key: TCP and UDP on the same host port are two forwards. */
const keyOf = (hostSide: string, proto: 'tcp' | 'udp'): string => (proto === 'udp' ? `udp:${hostSide}` : hostSide);

function staticForward(rule: PortForwardRule, proto: 'tcp' | 'udp'): PlannedForward {
  const hostPort = rule.hostSocket === undefined ? rule.hostPortRange[0] : 0;
  const hostSide = rule.hostSocket ?? hostPortSpec(rule.hostIP, hostPort);
  const guestPort = rule.guestSocket === undefined ? rule.guestPortRange[0] : 0;
  const guestSide = rule.guestSocket ?? hostPortSpec(guestAddress(rule.guestIP), guestPort);
  return {
    key: keyOf(hostSide, proto),
    spec: `${hostSide}:${guestSide}`,
    guest: { host: guestAddress(rule.guestIP), port: guestPort },
    origin: rule.origin,
    forward: {
      guestPort, hostIP: rule.hostIP, hostPort, proto, source: 'static',
      ...(rule.guestSocket === undefined ? {} : { guestSocket: rule.guestSocket }),
      ...(rule.hostSocket === undefined ? {} : { hostSocket: rule.hostSocket }),
    },
  };
}

export function planForwards(rules: readonly PortForwardRule[], listeners: readonly GuestListener[]): { planned: PlannedForward[]; skipped: SkippedListener[] } {
  const planned = new Map<string, PlannedForward>();
  for (const rule of rules.filter(isStaticRule)) {
    // Sockets are streams; a port rule of Lima's `any` holds the port for both protocols.
    const protos = rule.guestSocket !== undefined || rule.hostSocket !== undefined || rule.proto === 'tcp' ? ['tcp' as const] : rule.proto === 'udp' ? ['udp' as const] : ['tcp' as const, 'udp' as const];
    for (const proto of protos) {
      const forward = staticForward(rule, proto);
      if (!planned.has(forward.key)) planned.set(forward.key, forward);
    }
  }
  const skipped: SkippedListener[] = [];
  // IPv4 first, so a program bound to both families is forwarded to its IPv4 address.
  const ordered = [...listeners].sort((a, b) => a.port - b.port || Number(net.isIPv6(a.ip)) - Number(net.isIPv6(b.ip)));
  for (const listener of ordered) {
    const decision = decide(rules, listener);
    if (!decision.forward) {
      skipped.push({ listener, reason: decision.reason });
      continue;
    }
    const proto = listener.proto ?? 'tcp';
    const hostSide = hostPortSpec(decision.hostIP, decision.hostPort);
    const key = keyOf(hostSide, proto);
    if (planned.has(key)) continue;
    planned.set(key, {
      key,
      spec: `${hostSide}:${hostPortSpec(guestAddress(listener.ip), listener.port)}`,
      guest: { host: guestAddress(listener.ip), port: listener.port },
      origin: decision.rule.origin,
      forward: { guestPort: listener.port, hostIP: decision.hostIP, hostPort: decision.hostPort, proto, source: 'discovered' },
    });
  }
  return { planned: [...planned.values()], skipped };
}
