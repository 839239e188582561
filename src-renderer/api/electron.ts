// The Electron transport: the same CorralApi messages as the web shell, through the preload
// bridge (`window.corral`) instead of fetch + WebSocket. The bridge and the main process
// validate everything; this file only adapts the bridge to the page's EngineChannel.
import type { CorralBridge } from '../../src-main/api/bridge.ts';
import type { ClientMessage, ServerMessage } from '../../src-main/api/contract.ts';
import type { CallFn, EngineChannel } from './channel.ts';
import { ApiCallError } from './errors.ts';
import { link } from './link.ts';

declare global {
  interface Window {
    /** Present only in the Electron window (src-main/electron/preload.ts). */
    readonly corral?: CorralBridge;
  }
}

export function electronBridge(): CorralBridge | undefined {
  return window.corral;
}

export function bridgeCall(bridge: CorralBridge): CallFn {
  return async (method: string, body: object = {}): Promise<unknown> => {
    const reply = await bridge.invoke(method as Parameters<CorralBridge['invoke']>[0], body);
    if (!reply.ok) throw new ApiCallError(reply.error);
    return reply.value;
  };
}

/** There is no reconnect in Electron: the link lives as long as the page. */
export class BridgeChannel implements EngineChannel {
  readonly #bridge: CorralBridge;
  readonly #listeners = new Set<(message: ServerMessage) => void>();
  readonly #openListeners = new Set<() => void>();
  #ready: Promise<void> | undefined;

  constructor(bridge: CorralBridge) {
    this.#bridge = bridge;
    // Listen before connecting: events may follow the connect at once.
    bridge.onMessage((message) => {
      for (const listener of this.#listeners) listener(message);
    });
  }

  connect(): Promise<void> {
    this.#ready ??= this.#bridge.invoke('connect').then((reply) => {
      if (!reply.ok) throw new ApiCallError(reply.error);
      document.documentElement.dataset.connected = 'true';
      link.opened();
      for (const listener of this.#openListeners) listener();
    });
    return this.#ready;
  }

  send(message: ClientMessage): void {
    // After connect: main keeps a page's consoles in the session that connect creates.
    void this.connect().then(() => this.#bridge.send(message));
  }

  on(listener: (message: ServerMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onDrop(): () => void {
    return () => undefined;
  }

  onOpen(listener: () => void): () => void {
    this.#openListeners.add(listener);
    return () => this.#openListeners.delete(listener);
  }
}
