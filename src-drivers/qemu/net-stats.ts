// Network figures of a VM on QEMU's user-mode network, from the host side. There is no tap
// device to read counters from: slirp turns the guest's traffic into ordinary sockets of the
// QEMU process (its outbound connections and the forwarded ports it accepts), and QEMU 7.2
// keeps no byte counts of its own (query-stats has no provider for it, `info network` no
// counters). So the figures are the kernel's TCP counters of those sockets (`ss -tie`, the
// sock_diag tcp_info fields bytes_received and bytes_sent), matched to the QEMU process by the
// socket inodes in /proc/PID/fd. What the QEMU sockets receive is what the guest receives, and
// the other way round. UDP (DNS) has no such counters and is not in the figures; the VM has
// one NIC, so these are that NIC's figures.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { IoTotals } from '../sdk/index.ts';

interface SocketBytes {
  received: number;
  sent: number;
}

/** Each TCP socket's byte counters by inode, from `ss -tinHe` output. */
export function parseTcpSockets(output: string): Map<number, SocketBytes> {
  const sockets = new Map<number, SocketBytes>();
  let inode: number | undefined;
  for (const line of output.split('\n')) {
    if (!/^\s/.test(line)) {
      // A socket's first line ("ESTAB 0 0 a:p b:p ... ino:123 sk:..."); its details follow, indented.
      const match = /\bino:(\d+)/.exec(line);
      inode = match && match[1] !== '0' ? Number(match[1]) : undefined;
      continue;
    }
    if (inode === undefined) continue;
    const received = /\bbytes_received:(\d+)/.exec(line)?.[1];
    const sent = /\bbytes_sent:(\d+)/.exec(line)?.[1];
    sockets.set(inode, { received: Number(received ?? 0), sent: Number(sent ?? 0) });
    inode = undefined;
  }
  return sockets;
}

/**
 * The host's TCP sockets, or undefined without a working `ss` (iproute2). A spawn costs the
 * driver about 13 ms of CPU; the run is shared by every VM sampled in the same moment (below).
 */
function readTcpSockets(): Promise<Map<number, SocketBytes> | undefined> {
  return new Promise((resolve) => {
    execFile('ss', ['-tinHe'], { timeout: 5000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      resolve(error ? undefined : parseTcpSockets(stdout));
    });
  });
}

// One `ss` run serves every VM sampled in the same moment: 200 VMs cost one process a second.
const sharedForMs = 500;
interface TcpSnapshot {
  /** When the `ss` run started (performance.now()). */
  at: number;
  sockets: Promise<Map<number, SocketBytes> | undefined>;
}
let shared: TcpSnapshot | undefined;

/** A snapshot of the host's TCP sockets, one taken after `notBefore` (the shared one when recent enough). */
function tcpSockets(notBefore: number): TcpSnapshot {
  const now = performance.now();
  if (!shared || now - shared.at > sharedForMs || shared.at < notBefore) shared = { at: now, sockets: readTcpSockets() };
  return shared;
}

/** Whether `ss` ran and answered in this process: learnt from its first run, which a sampler always makes. */
let ssAnswers = false;

/**
 * The inodes of the sockets process `pid` holds open. Read synchronously: a readlink in /proc is
 * a few microseconds, where each asynchronous one cost a promise and a thread-pool round trip
 * (QEMU holds 25 or more descriptors; 3 to 4 ms of driver CPU per sample).
 */
function socketInodes(pid: number): number[] {
  const dir = `/proc/${pid}/fd`;
  return fs.readdirSync(dir).flatMap((fd) => {
    let target: string;
    try {
      target = fs.readlinkSync(`${dir}/${fd}`);
    } catch {
      return []; // closed meanwhile
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    return match ? [Number(match[1])] : [];
  });
}

/**
 * Running totals of what process `pid`'s TCP sockets received (rx) and sent (tx) since the first
 * call. They never go down: a socket's bytes are counted as they grow, and stay counted after it
 * closes (what it moved after the last call and before closing is missed). Null without `ss`.
 *
 * `ss` is a process, so a sample runs it only while the process holds a socket that may carry
 * counters. A socket that an `ss` run made after its first sighting did not list (a listener,
 * UDP, a Unix socket: TCP sockets are listed from their connect() on) never will: it is
 * remembered by inode, and a VM holding only such sockets (a booting one, an idle one) costs two
 * /proc reads of its own descriptors. The host-wide tables (/proc/net/tcp) are no way to tell:
 * reading them walks the kernel's whole connection hash, 5 ms of CPU each here.
 */
export function tcpTrafficOf(pid: number): () => Promise<IoTotals['network']> {
  let seen = new Map<number, SocketBytes>();
  const totals = { rxBytes: 0, txBytes: 0 };
  /** The process's sockets by inode: when first seen (performance.now()), or 'quiet' (no counters, ever). */
  let known = new Map<number, number | 'quiet'>();
  return async () => {
    const now = performance.now();
    const inodes = socketInodes(pid);
    known = new Map(inodes.map((inode) => [inode, known.get(inode) ?? now]));
    const unsettled = [...known.values()].filter((since): since is number => since !== 'quiet');
    if (ssAnswers && unsettled.length === 0) {
      seen = new Map(); // its connections closed (what they moved since the last call is missed, as below)
      return { ...totals };
    }
    const snapshot = tcpSockets(Math.max(...unsettled));
    const sockets = await snapshot.sockets;
    if (!sockets) return null;
    ssAnswers = true;
    const next = new Map<number, SocketBytes>();
    for (const inode of inodes) {
      const bytes = sockets.get(inode);
      if (!bytes) {
        const since = known.get(inode);
        if (since !== undefined && since !== 'quiet' && since <= snapshot.at) known.set(inode, 'quiet');
        continue;
      }
      const before = seen.get(inode) ?? { received: 0, sent: 0 };
      totals.rxBytes += Math.max(0, bytes.received - before.received);
      totals.txBytes += Math.max(0, bytes.sent - before.sent);
      next.set(inode, bytes);
    }
    seen = next;
    return { ...totals };
  };
}
