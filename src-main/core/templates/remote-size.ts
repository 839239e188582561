// The size of a remote image before it is downloaded, for the create dialog: an HTTP HEAD and
// its Content-Length, through the same proxy settings as downloads (undici's EnvHttpProxyAgent).
// Answers are remembered per URL, so opening the dialog again asks no server twice; a server
// that does not say is remembered as unknown, but a failed request (no network, a timeout)
// only briefly, so it never sticks.
import type { Dispatcher } from 'undici';
import * as z from 'zod';

/** How long a HEAD may take: the gallery waits for it. */
const headTimeoutMs = 3000;
const knownForMs = 60 * 60_000;
const failedForMs = 60_000;

const contentLengthSchema = z.string().regex(/^\d{1,15}$/).transform(Number);

interface Remembered {
  bytes: Promise<number | null>;
  until: number;
}

export class RemoteSizes {
  readonly #answers = new Map<string, Remembered>();
  readonly #now: () => number;
  #dispatcher: Promise<Dispatcher> | undefined;

  /** `now`: the clock, which a test may move on. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The image's size in bytes as its server states it, or null when it does not (or cannot be reached). */
  size(url: string): Promise<number | null> {
    const now = this.#now();
    const remembered = this.#answers.get(url);
    if (remembered && remembered.until > now) return remembered.bytes;
    const entry: Remembered = { bytes: Promise.resolve(null), until: now + knownForMs };
    entry.bytes = this.#head(url).catch(() => {
      entry.until = this.#now() + failedForMs;
      return null;
    });
    this.#answers.set(url, entry);
    return entry.bytes;
  }

  async close(): Promise<void> {
    if (this.#dispatcher) await (await this.#dispatcher).close();
  }

  async #head(url: string): Promise<number | null> {
    this.#dispatcher ??= loadDispatcher();
    const { request } = await import('undici');
    const response = await request(url, {
      method: 'HEAD',
      dispatcher: await this.#dispatcher,
      headersTimeout: headTimeoutMs,
      bodyTimeout: headTimeoutMs,
      signal: AbortSignal.timeout(headTimeoutMs),
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode > 299) throw new Error(`HTTP ${response.statusCode}`);
    const length = response.headers['content-length'];
    const parsed = contentLengthSchema.safeParse(Array.isArray(length) ? length[0] : length);
    return parsed.success ? parsed.data : null;
  }
}

async function loadDispatcher(): Promise<Dispatcher> {
  // Loaded on first use: most engine runs never open the create dialog.
  const { EnvHttpProxyAgent, interceptors } = await import('undici');
  return new EnvHttpProxyAgent().compose(interceptors.redirect({ maxRedirections: 5 }));
}
