// The page's one WebSocket to the engine: pushed events and console streams. It reconnects
// after a drop (with backoff) and tells listeners, so data that may have been missed while
// it was down is fetched again; consoles open at the time end and can be reopened.
import type { ClientMessage, ServerMessage } from '../../src-main/api/contract.ts';
import type { EngineChannel } from './channel.ts';
import { link } from './link.ts';

type Listener = (message: ServerMessage) => void;

export class EngineSocket implements EngineChannel {
  readonly #url: string;
  readonly #listeners = new Set<Listener>();
  readonly #reconnectListeners = new Set<() => void>();
  readonly #openListeners = new Set<() => void>();
  #socket: WebSocket | undefined;
  #ready: Promise<WebSocket> | undefined;
  #delayMs = 250;

  constructor(url: string) {
    this.#url = url;
  }

  /** Connects now (the page wants events from the start), not on first send. */
  connect(): Promise<WebSocket> {
    this.#ready ??= new Promise((resolve) => {
      // The cookie set by the server carries the token; the browser sends our Origin itself.
      const socket = new WebSocket(this.#url);
      this.#socket = socket;
      let opened = false;
      socket.onopen = () => {
        opened = true;
        this.#delayMs = 250;
        // Tests and styles can tell when live updates flow.
        document.documentElement.dataset.connected = 'true';
        link.opened();
        resolve(socket);
        for (const listener of this.#openListeners) listener();
      };
      socket.onmessage = (event: MessageEvent<string>) => {
        const message = JSON.parse(event.data) as ServerMessage;
        for (const listener of this.#listeners) listener(message);
      };
      socket.onclose = () => {
        this.#ready = undefined;
        this.#socket = undefined;
        document.documentElement.dataset.connected = 'false';
        void link.failed(); // gone, or refusing this tab's token: the banner says which
        if (opened) for (const listener of this.#reconnectListeners) listener();
        setTimeout(() => void this.connect().then(resolve), this.#delayMs);
        this.#delayMs = Math.min(this.#delayMs * 2, 5000);
      };
    });
    return this.#ready;
  }

  send(message: ClientMessage): void {
    void this.connect().then((socket) => socket.send(JSON.stringify(message)));
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called after the connection dropped; the page refetches what events would have told it. */
  onDrop(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  /** Called on every (re)connect: events before it were not seen, so data is refetched. */
  onOpen(listener: () => void): () => void {
    this.#openListeners.add(listener);
    return () => this.#openListeners.delete(listener);
  }

  get connected(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }
}
