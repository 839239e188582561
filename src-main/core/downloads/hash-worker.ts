// The download's digest, computed on a second core. sha256 runs at about the speed loopback
// delivers bytes, so hashing on the thread that reads the socket would halve the throughput;
// here the main thread only posts "hash bytes [offset, offset+length) of the shared ring" and
// the worker hashes them in place, in the order posted, with Node's own crypto.
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from './digest.ts';

// Plain JavaScript evaluated by the worker rather than a worker file: it survives bundling
// (esbuild makes one main.js; a separate .ts entry would need its own build step and loader).
const workerSource = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let bytes = null;
let algorithm = 'sha256';
let hash = null;
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      hash.update(bytes.subarray(m.offset, m.offset + m.length));
      parentPort.postMessage({});
    } else if (m.op === 'digest') {
      const hex = hash.digest('hex');
      hash = createHash(algorithm);
      parentPort.postMessage({ hex });
    } else if (m.op === 'attach') {
      bytes = new Uint8Array(m.buffer);
      algorithm = m.algorithm;
      hash = createHash(algorithm);
      parentPort.postMessage({});
    } else if (m.op === 'detach') {
      bytes = null;
      hash = null;
      parentPort.postMessage({});
    } else {
      hash = createHash(algorithm);
      parentPort.postMessage({});
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

type Request =
  | { op: 'update'; offset: number; length: number }
  | { op: 'digest' | 'reset' | 'detach' }
  | { op: 'attach'; buffer: SharedArrayBuffer; algorithm: DigestAlgorithm };
interface Reply { hex?: string; error?: string }
interface Waiter { resolve: (reply: Reply) => void; reject: (error: Error) => void }

export class HashWorker {
  readonly #worker = new Worker(workerSource, { eval: true });
  /** One per request posted; the worker answers in order. */
  readonly #waiters: Waiter[] = [];
  #broken: Error | undefined;

  constructor() {
    this.#worker.on('message', (reply: Reply) => this.#waiters.shift()?.resolve(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the hash worker exited (code ${code})`)));
  }

  get broken(): boolean {
    return this.#broken !== undefined;
  }

  /** Hashes from `buffer` from now on, with a fresh `algorithm` hash. */
  async attach(buffer: SharedArrayBuffer, algorithm: DigestAlgorithm): Promise<void> {
    await this.#call({ op: 'attach', buffer, algorithm });
  }

  /** Lets go of the buffer (so an idle worker holds no ring). */
  async detach(): Promise<void> {
    await this.#call({ op: 'detach' });
  }

  /** Adds `length` bytes of the buffer at `offset` to the hash; resolves once they are hashed. */
  async update(offset: number, length: number): Promise<void> {
    await this.#call({ op: 'update', offset, length });
  }

  /** The digest of everything added since the last reset; the hash starts over afterwards. */
  async digest(): Promise<string> {
    const { hex } = await this.#call({ op: 'digest' });
    if (hex === undefined) throw new Error('the hash worker sent no digest');
    return hex;
  }

  async reset(): Promise<void> {
    await this.#call({ op: 'reset' });
  }

  /** An idle worker must not keep the process alive. */
  idle(idle: boolean): void {
    if (idle) this.#worker.unref();
    else this.#worker.ref();
  }

  async close(): Promise<void> {
    this.#broken ??= new Error('the hash worker was closed');
    await this.#worker.terminate();
  }

  async #call(request: Request): Promise<Reply> {
    if (this.#broken) throw this.#broken;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#worker.postMessage(request);
    });
    if (reply.error !== undefined) throw new Error(`hashing failed: ${reply.error}`);
    return reply;
  }

  #fail(error: Error): void {
    this.#broken ??= error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#broken);
  }
}

/**
 * One worker kept warm between transfers: starting one takes ~45 ms here, which would sit on
 * every download's critical path (the first slots wait for it). The downloader warms it up
 * when a fetch misses the cache, so it boots while the server answers; a spare left idle for
 * a minute is ended (a thread and its heap are not free).
 */
export class HashWorkerPool {
  readonly #idleMs: number;
  #spare: HashWorker | undefined;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(idleMs = 60_000) {
    this.#idleMs = idleMs;
  }

  /** Starts a worker ahead of need, unless one is waiting already. */
  warm(): void {
    if (this.#closed || this.#spare) return;
    this.#keep(new HashWorker());
  }

  take(): HashWorker {
    const worker = this.#spare ?? new HashWorker();
    this.#spare = undefined;
    clearTimeout(this.#idleTimer);
    worker.idle(false);
    return worker;
  }

  /** Back from a transfer: kept as the spare (without its ring), or ended. */
  async give(worker: HashWorker): Promise<void> {
    const wanted = () => !this.#closed && !this.#spare && !worker.broken;
    if (wanted() && await worker.detach().then(() => wanted(), () => false)) this.#keep(worker);
    else await worker.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    await this.#spare?.close();
    this.#spare = undefined;
  }

  #keep(worker: HashWorker): void {
    worker.idle(true);
    this.#spare = worker;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#spare !== worker) return;
      this.#spare = undefined;
      void worker.close();
    }, this.#idleMs).unref();
  }
}
