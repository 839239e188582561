// What the page needs from its link to the engine, whichever shell it runs in: the web
// shell's WebSocket (socket.ts) or the Electron preload bridge (electron.ts).
import type { ClientMessage, ServerMessage } from '../../src-main/api/contract.ts';

export interface EngineChannel {
  /** Starts the link (events flow from then on); resolves once it is up. */
  connect(): Promise<unknown>;
  send(message: ClientMessage): void;
  on(listener: (message: ServerMessage) => void): () => void;
  /** The link dropped: open consoles end. */
  onDrop(listener: () => void): () => void;
  /** The link came up: events before it were not seen, so data is refetched. */
  onOpen(listener: () => void): () => void;
}

/** One API call: method and body in, the value (unchecked yet) out, or a thrown ApiCallError. */
export type CallFn = (method: string, body?: object) => Promise<unknown>;
