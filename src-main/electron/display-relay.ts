// One page's embedded displays in the Electron app: for each, main opens a TCP connection to
// the VNC server the driver reports and relays the RFB bytes both ways as display frames over
// IPC (display-messages.ts). The page's CSP allows no network at all, so main is its only way
// to the display; the web shell does the same job with its `/vnc/NAME` WebSocket relay.
//
// Why QEMU's plain RFB port and not its WebSocket listener: noVNC takes a raw channel that
// carries RFB bytes as messages, so main needs no WebSocket client at all, and a display
// without a WebSocket listener still works. The VNC password stays the page's business
// (noVNC answers QEMU's challenge); main never sees it, and nothing here logs or sends it.
//
// No run-time `electron` import: session.ts owns one of these per page, and
// display-relay.test.ts drives it against a real QEMU.
import net from 'node:net';
import { DriverError, toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { CorralApi } from '../api/contract.ts';
import type { DisplayClientMessage, DisplayServerMessage } from '../api/display-messages.ts';

/** Most displays one page may hold open: a page that leaks them is refused more. */
const maxDisplays = 8;

export interface DisplayRelays {
  /** Handles one parsed message from the page (session.ts checked the sender and parsed it). */
  receive(message: DisplayClientMessage): void;
  /** The page is gone: every connection ends at once, and nothing more is posted. */
  close(): void;
}

interface Relay {
  socket: net.Socket | undefined;
  /** The page asked to close (or went away), before or after the connection was made. */
  closing: boolean;
  opened: boolean;
}

/**
 * True for an address of this machine's loopback interface. A driver (a third-party one
 * included) reports the display's host; main connects only to loopback, like the web shell,
 * so a driver cannot use the app to reach into the network.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(host);
}

export function openDisplayRelays(api: Pick<CorralApi, 'display'>, send: (message: DisplayServerMessage) => void): DisplayRelays {
  const relays = new Map<string, Relay>();
  let closed = false;
  const post = (message: DisplayServerMessage): void => {
    if (!closed) send(message);
  };
  const ended = (id: string, reason: string): void => {
    relays.delete(id);
    post({ type: 'display-ended', id, reason });
  };
  const failed = (id: string, error: unknown): void => {
    relays.delete(id);
    post({ type: 'display-error', id, error: toDriverError(error).toJSON() });
  };

  const connect = (id: string, relay: Relay, host: string, port: number): void => {
    const socket = net.connect({ host, port });
    relay.socket = socket;
    socket.setNoDelay(true); // pointer and key events are tiny and should not wait for Nagle
    let failure: Error | undefined;
    socket.on('connect', () => {
      relay.opened = true;
      post({ type: 'display-opened', id });
    });
    // A copy of exactly this chunk: IPC clones a view's whole backing buffer.
    socket.on('data', (chunk: Buffer) => post({ type: 'display-data', id, data: new Uint8Array(chunk) }));
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      if (relay.closing) return ended(id, 'closed');
      if (!relay.opened) {
        return failed(id, new DriverError('VM_FAILED', `could not connect to the display at ${host}:${port}: ${failure?.message ?? 'closed'}`, { host, port }));
      }
      ended(id, failure ? `the display connection failed: ${failure.message}` : 'the display server closed the connection');
    });
  };

  const open = async (id: string, name: string, relay: Relay): Promise<void> => {
    let target: { host: string; port: number };
    try {
      const info = await api.display({ name });
      if (!info) throw new DriverError('UNSUPPORTED', `instance "${name}" has no display`, { name });
      if (!isLoopbackHost(info.host)) {
        throw new DriverError('PERMISSION_DENIED', `the driver reported a display on ${info.host}; Corral connects only to displays on this machine's loopback`, { host: info.host });
      }
      target = { host: info.host, port: info.port };
    } catch (error) {
      if (relay.closing) ended(id, 'closed');
      else failed(id, error);
      return;
    }
    if (relay.closing) return ended(id, 'closed');
    try {
      connect(id, relay, target.host, target.port);
    } catch (error) {
      failed(id, error); // a port out of range throws at once
    }
  };

  return {
    receive(message) {
      if (closed) return;
      switch (message.type) {
        case 'display-open': {
          if (relays.has(message.id)) return;
          if (relays.size >= maxDisplays) {
            return post({ type: 'display-error', id: message.id, error: { code: 'BUSY', message: `too many open displays (${maxDisplays})`, details: {} } });
          }
          const relay: Relay = { socket: undefined, closing: false, opened: false };
          relays.set(message.id, relay);
          void open(message.id, message.name, relay);
          return;
        }
        case 'display-write': {
          const relay = relays.get(message.id);
          if (relay && !relay.closing) relay.socket?.write(message.data);
          return;
        }
        case 'display-close': {
          const relay = relays.get(message.id);
          if (!relay || relay.closing) return;
          relay.closing = true;
          relay.socket?.destroy(); // 'close' follows and answers display-ended; else open() does
          return;
        }
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const relay of relays.values()) {
        relay.closing = true;
        relay.socket?.destroy();
      }
      relays.clear();
    },
  };
}
