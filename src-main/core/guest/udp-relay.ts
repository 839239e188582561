// The host half of UDP forwarding (the guest half and the frame format: udp-relay-script.ts).
// Each UDP forward is a datagram socket bound on the host side; a datagram from a host client
// goes, framed, over one relay session per instance to the guest, and the guest program's
// answers come back to the client that the flow belongs to.
import dgram from 'node:dgram';
import net from 'node:net';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { commandNotFoundStatus, udpRelayIdleSeconds } from './udp-relay-script.ts';

export type RelaySession = ChildProcessByStdio<Writable, Readable, Readable>;

export interface UdpTarget {
  /** Where the guest program is reached from inside the guest. */
  guestHost: string;
  guestPort: number;
  hostIP: string;
  hostPort: number;
}

interface Flow {
  id: number;
  socket: dgram.Socket;
  client: { address: string; port: number };
  lastUsed: number;
}

const sshFailedStatus = 255;
/** Datagrams waiting for the guest beyond this are dropped (UDP may lose them anyway). */
const maxBufferedBytes = 4 * 1024 * 1024;

/** The family byte and the address bytes of a frame (udp-relay-script.ts). */
function addressFrame(host: string): Buffer {
  if (!net.isIPv6(host)) return Buffer.from([4, ...host.split('.').map(Number)]);
  // Canonical IPv6 text (the guest's addresses are): expand `::` to the missing zero groups.
  const [head = '', tail = ''] = host.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const words = [...groups(head), ...Array<string>(missing).fill('0'), ...groups(tail)].map((group) => Number.parseInt(group, 16));
  return Buffer.from([6, ...words.flatMap((word) => [word >> 8, word & 0xff])]);
}

export class UdpRelay {
  readonly #startSession: () => RelaySession;
  readonly #onFailure: (message: string) => void;
  readonly #sockets = new Map<string, { socket: dgram.Socket; target: UdpTarget }>();
  readonly #flows = new Map<number, Flow>();
  readonly #flowIds = new Map<string, number>();
  #nextFlow = 1;
  #session: RelaySession | undefined;
  #pending = Buffer.alloc(0);
  readonly #sweeper: NodeJS.Timeout;

  /**
   * `startSession` runs the guest half (over the instance's SSH connection); `onFailure` hears
   * why it could not run, in words for people.
   */
  constructor(startSession: () => RelaySession, onFailure: (message: string) => void) {
    this.#startSession = startSession;
    this.#onFailure = onFailure;
    this.#sweeper = setInterval(() => this.#sweep(), (udpRelayIdleSeconds * 1000) / 4);
    this.#sweeper.unref();
  }

  /** Binds the host side; rejects with a DriverError carrying the socket's error code when it cannot. */
  async add(key: string, target: UdpTarget): Promise<void> {
    const socket = dgram.createSocket({ type: net.isIPv6(target.hostIP) ? 'udp6' : 'udp4', ipv6Only: net.isIPv6(target.hostIP) });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.close();
        reject(new DriverError('UNAVAILABLE', error.message, { code: error.code ?? 'unknown' }));
      });
      socket.bind({ address: target.hostIP, port: target.hostPort, exclusive: true }, () => resolve());
    });
    socket.removeAllListeners('error');
    socket.on('error', () => undefined); // e.g. an ICMP unreachable for a client that went away
    socket.on('message', (payload, client) => this.#toGuest(key, socket, target, payload, client));
    this.#sockets.set(key, { socket, target });
    this.#ensureSession(); // started now, so the first datagram does not wait for python3 to start
  }

  remove(key: string): void {
    const entry = this.#sockets.get(key);
    if (!entry) return;
    this.#sockets.delete(key);
    entry.socket.close();
    for (const [flowKey, id] of this.#flowIds) {
      if (flowKey.startsWith(`${key}|`)) this.#forget(flowKey, id);
    }
  }

  /** Unbinds everything and ends the guest half. */
  close(): void {
    clearInterval(this.#sweeper);
    for (const key of [...this.#sockets.keys()]) this.remove(key);
    this.#session?.kill('SIGTERM');
    this.#session = undefined;
  }

  #toGuest(key: string, socket: dgram.Socket, target: UdpTarget, payload: Buffer, client: dgram.RemoteInfo): void {
    const flowKey = `${key}|${client.address}|${client.port}`;
    let id = this.#flowIds.get(flowKey);
    if (id === undefined) {
      id = this.#nextFlow++;
      this.#flowIds.set(flowKey, id);
      this.#flows.set(id, { id, socket, client: { address: client.address, port: client.port }, lastUsed: 0 });
    }
    const flow = this.#flows.get(id);
    if (flow) flow.lastUsed = Date.now();
    const session = this.#ensureSession();
    if (!session || session.stdin.writableLength > maxBufferedBytes) return;
    const header = Buffer.alloc(10);
    const address = addressFrame(target.guestHost);
    header.writeUInt32BE(6 + address.length + payload.length, 0);
    header.writeUInt32BE(id, 4);
    header.writeUInt16BE(target.guestPort, 8);
    session.stdin.write(Buffer.concat([header, address, payload]));
  }

  #ensureSession(): RelaySession | undefined {
    if (this.#session) return this.#session;
    const session = this.#startSession();
    this.#session = session;
    this.#pending = Buffer.alloc(0);
    let stderr = '';
    session.stderr.setEncoding('utf8');
    session.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-1000); });
    session.stdout.on('data', (chunk: Buffer) => this.#fromGuest(chunk));
    session.stdin.on('error', () => undefined); // the session ended: its exit says why
    session.once('error', (error) => this.#onFailure(`the UDP relay could not start: ${error.message}`));
    session.once('close', (code) => {
      if (this.#session === session) this.#session = undefined; // the next datagram starts another
      if (code === commandNotFoundStatus) this.#onFailure('UDP forwarding needs python3 in the guest, which this guest does not have; install it (apt-get install python3) and restart the instance');
      // 255 is ssh's own: the connection ended, which its owner sees and reconnects.
      else if (code !== 0 && code !== null && code !== sshFailedStatus) this.#onFailure(`the UDP relay in the guest ended with status ${code}: ${stderr.trim().split('\n').pop() ?? ''}`);
    });
    return session;
  }

  #fromGuest(chunk: Buffer): void {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= 4) {
      const size = this.#pending.readUInt32BE(0);
      if (this.#pending.length < 4 + size) return;
      const id = this.#pending.readUInt32BE(4);
      const payload = this.#pending.subarray(8, 4 + size);
      this.#pending = this.#pending.subarray(4 + size);
      const flow = this.#flows.get(id);
      if (!flow) continue; // a flow forgotten meanwhile
      flow.lastUsed = Date.now();
      flow.socket.send(payload, flow.client.port, flow.client.address);
    }
  }

  /** Forgets flows idle as long as the guest half keeps them. */
  #sweep(): void {
    const oldest = Date.now() - udpRelayIdleSeconds * 1000;
    for (const [flowKey, id] of this.#flowIds) {
      if ((this.#flows.get(id)?.lastUsed ?? 0) < oldest) this.#forget(flowKey, id);
    }
  }

  #forget(flowKey: string, id: number): void {
    this.#flowIds.delete(flowKey);
    this.#flows.delete(id);
  }
}
