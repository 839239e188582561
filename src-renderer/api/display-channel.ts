// The embedded display's transport in the Electron window: a WebSocket-like object that noVNC
// takes instead of a URL (a "raw channel", @novnc/novnc core/websock.js), backed by the
// preload bridge's display frames. Main holds the real connection to the VNC server
// (src-main/electron/display-relay.ts); the page itself opens no socket (its CSP forbids it).
//
// noVNC needs exactly: send, close, binaryType, protocol, readyState (WebSocket's numbers),
// and the onopen / onmessage (event.data an ArrayBuffer) / onclose (code, reason) / onerror
// handlers. As with a WebSocket, onclose comes after close() once main confirms the end.
import type { CorralBridge } from '../../src-main/api/bridge.ts';
import type { DisplayServerMessage } from '../../src-main/api/display-messages.ts';

/** The part of the bridge a display channel uses. */
export type DisplayBridge = Pick<CorralBridge, 'sendDisplay' | 'onDisplayMessage'>;

let nextId = 0;

export class BridgeDisplayChannel {
  // Own enumerable fields, not accessors: noVNC checks for them with Object.keys.
  binaryType: BinaryType = 'arraybuffer';
  readonly protocol = '';
  readyState: number = WebSocket.CONNECTING;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent<ArrayBuffer>) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  readonly #id = `d${++nextId}`;
  readonly #bridge: DisplayBridge;
  readonly #ready: Promise<unknown>;
  readonly #unsubscribe: () => void;
  #endReason: string | undefined;

  /** `ready` settles once the page's session with main is up (BridgeChannel.connect). */
  constructor(bridge: DisplayBridge, name: string, ready: Promise<unknown>) {
    this.#bridge = bridge;
    this.#ready = ready;
    this.#unsubscribe = bridge.onDisplayMessage((message) => {
      if (message.id === this.#id) this.#receive(message);
    });
    ready.then(
      () => bridge.sendDisplay({ type: 'display-open', id: this.#id, name }),
      (error: unknown) => this.#end(1006, `no connection to Corral: ${String(error)}`, true),
    );
  }

  /** Why the channel ended (main's message, e.g. the engine's error), once it has. */
  get endReason(): string | undefined {
    return this.#endReason;
  }

  send(data: ArrayBuffer | ArrayBufferView): void {
    if (this.readyState === WebSocket.CONNECTING) throw new DOMException('the display is still connecting', 'InvalidStateError');
    if (this.readyState !== WebSocket.OPEN) return; // like a WebSocket: dropped once closing
    // A copy of just these bytes: noVNC hands out a view of its send queue, which it reuses.
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data.slice(0)) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.#bridge.sendDisplay({ type: 'display-write', id: this.#id, data: bytes });
  }

  close(): void {
    if (this.readyState === WebSocket.CLOSING || this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSING;
    void this.#ready.then(() => this.#bridge.sendDisplay({ type: 'display-close', id: this.#id }));
  }

  #receive(message: DisplayServerMessage): void {
    switch (message.type) {
      case 'display-opened':
        if (this.readyState !== WebSocket.CONNECTING) return;
        this.readyState = WebSocket.OPEN;
        this.onopen?.(new Event('open'));
        return;
      case 'display-data': {
        if (this.readyState !== WebSocket.OPEN) return;
        const { data } = message;
        const buffer = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
        this.onmessage?.(new MessageEvent('message', { data: buffer as ArrayBuffer }));
        return;
      }
      case 'display-ended':
        // 1000 when the page asked for it; otherwise the server side went away.
        return this.#end(this.readyState === WebSocket.CLOSING ? 1000 : 1001, message.reason, false);
      case 'display-error':
        return this.#end(1011, message.error.message, true);
    }
  }

  #end(code: number, reason: string, error: boolean): void {
    if (this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSED;
    this.#endReason = reason;
    this.#unsubscribe();
    if (error) this.onerror?.(new Event('error'));
    this.onclose?.(new CloseEvent('close', { code, reason, wasClean: !error }));
  }
}
