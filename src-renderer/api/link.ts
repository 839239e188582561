// Whether this page can reach the engine, as the transport sees it: the event socket's opens
// and drops and the calls' failures come here, and a failure is followed by one probe of the
// server (a HEAD of the page itself) that tells "not reachable" (the server is gone: the socket
// keeps reconnecting by itself) from "not authorised" (a server answers, but this tab's token
// is not its token: the tab must open the new address). features/connection shows it.
export type LinkState = 'connecting' | 'online' | 'offline' | 'unauthorised';

type Listener = (state: LinkState) => void;

class Link {
  #state: LinkState = 'connecting';
  readonly #listeners = new Set<Listener>();
  #probing: Promise<void> | undefined;

  get state(): LinkState {
    return this.#state;
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The event link is up: everything works again. */
  opened(): void {
    this.#set('online');
  }

  /** The server said this tab's token is not valid (HTTP 401). */
  refused(): void {
    this.#set('unauthorised');
  }

  /** A call or the socket failed without an answer: find out whether the server is there at all. */
  failed(): Promise<void> {
    this.#probing ??= probe().then((state) => { if (state) this.#set(state); }).finally(() => { this.#probing = undefined; });
    return this.#probing;
  }

  #set(state: LinkState): void {
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}

/** What the server says to this tab now; undefined when it answers normally (the socket will reconnect). */
async function probe(): Promise<LinkState | undefined> {
  try {
    const response = await fetch('/', { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
    return response.status === 401 ? 'unauthorised' : undefined;
  } catch {
    return 'offline';
  }
}

export const link = new Link();
