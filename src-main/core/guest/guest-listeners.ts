// Which ports guest programs listen on, learnt without any binary in the guest: a shell loop
// reads /proc/net/tcp and tcp6 (listening sockets) and udp and udp6 (bound, unconnected sockets:
// UDP has no listen state) each second and prints the addresses only when the set changed (a
// whole snapshot, then an end marker), so an idle guest sends nothing. The host parses the
// kernel's hex notation here.
import type { GuestListener } from './port-rules.ts';

/** Ends each snapshot the guest prints. */
export const snapshotEnd = '--';
/** Marks a UDP socket's line in a snapshot. */
const udpPrefix = 'udp:';

/**
 * POSIX sh and awk (Debian's mawk, busybox's awk): state 0A is LISTEN, field 2 the local address.
 * A blank line every 10 s finds out when nobody reads any more (the write fails once the SSH
 * session is gone), so a dropped connection leaves no loop behind in the guest.
 */
export const discoveryScript = [
  'prev=none; beat=0',
  'while :; do',
  '  cur=$({',
  `    cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" { print $2 }'`,
  // State 07 with no remote address: a socket bound to receive from anyone.
  `    cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk '$4 == "07" && $3 ~ /^0+:0000$/ { print "${udpPrefix}" $2 }'`,
  '  } | sort -u)',
  `  if [ "$cur" != "$prev" ]; then printf '%s\\n${snapshotEnd}\\n' "$cur" || exit 0; prev=$cur; beat=0; fi`,
  '  beat=$((beat + 1)); if [ "$beat" -ge 10 ]; then echo || exit 0; beat=0; fi',
  '  sleep 1',
  'done',
].join('\n');

/** An IPv4 address as /proc/net/tcp writes it: 8 hex digits, the bytes in host (little-endian) order. */
function ipv4(hex: string): string {
  const bytes = [0, 2, 4, 6].map((at) => Number.parseInt(hex.slice(at, at + 2), 16));
  return bytes.reverse().join('.');
}

/** An IPv6 address from /proc/net/tcp6: four 32-bit words, each little-endian. */
function ipv6(hex: string): string {
  const words: string[] = [];
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    const bytes = chunk.match(/../g)?.reverse().join('') ?? '';
    words.push(bytes.slice(0, 4), bytes.slice(4, 8));
  }
  const full = words.join(':');
  if (/^0{4}:0{4}:0{4}:0{4}:0{4}:ffff:/i.test(full)) return ipv4(hex.slice(24, 32)); // ::ffff:a.b.c.d
  // WHATWG URL writes IPv6 hosts in the canonical short form (RFC 5952): ::, ::1, fe80::1.
  return new URL(`http://[${full}]/`).hostname.slice(1, -1);
}

/** `0100007F:1F90` → 127.0.0.1 port 8080; undefined for anything else. */
export function parseListenerAddress(field: string): GuestListener | undefined {
  const match = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(field.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number.parseInt(match[2], 16);
  if (port === 0) return undefined;
  return { ip: match[1].length === 8 ? ipv4(match[1]) : ipv6(match[1]), port };
}

/** The listening sockets in the text of /proc/net/tcp or tcp6 (header line and all). */
export function parseProcNetTcp(text: string): GuestListener[] {
  return text.split('\n').flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    if (fields[3] !== '0A' || !fields[1]) return [];
    const listener = parseListenerAddress(fields[1]);
    return listener ? [listener] : [];
  });
}

/**
 * Splits the discovery loop's output into snapshots: `feed` takes chunks as they arrive and
 * calls `onSnapshot` with each complete set of listeners.
 */
export function snapshotReader(onSnapshot: (listeners: GuestListener[]) => void): (chunk: string) => void {
  let pending = '';
  let current: GuestListener[] = [];
  return (chunk) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line === snapshotEnd) {
        onSnapshot(current);
        current = [];
      } else if (line) {
        const udp = line.startsWith(udpPrefix);
        const listener = parseListenerAddress(udp ? line.slice(udpPrefix.length) : line);
        if (listener) current.push(udp ? { ...listener, proto: 'udp' } : listener);
      }
    }
  };
}
