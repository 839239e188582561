// The download's digest, computed on a second core. sha256 runs at about the speed loopback
// delivers bytes, so hashing on the thread that reads the socket would halve the throughput;
// here the main thread only posts "hash bytes [offset, offset+length) of the shared ring" and
// the worker hashes them in place, in the order posted, with Node's own crypto.
import { Worker } from 'node:worker_threads';
import type { DigestAlgorithm } from './digest.ts';

// Plain JavaScript evaluated by the worker rather than a worker file: it survives bundling
// (esbuild makes one main.js; a separate .ts entry would need its own build step and loader).
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const bytes = new Uint8Array(workerData.buffer);
let hash = createHash(workerData.algorithm);
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      hash.update(bytes.subarray(m.offset, m.offset + m.length));
      parentPort.postMessage({});
    } else if (m.op === 'digest') {
      const hex = hash.digest('hex');
      hash = createHash(workerData.algorithm);
      parentPort.postMessage({ hex });
    } else {
      hash = createHash(workerData.algorithm);
      parentPort.postMessage({});
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
});
`;

type Request = { op: 'update'; offset: number; length: number } | { op: 'digest' } | { op: 'reset' };
interface Reply { hex?: string; error?: string }
interface Waiter { resolve: (reply: Reply) => void; reject: (error: Error) => void }

export class HashWorker {
  readonly #worker: Worker;
  /** One per request posted; the worker answers in order. */
  readonly #waiters: Waiter[] = [];
  #broken: Error | undefined;

  constructor(buffer: SharedArrayBuffer, algorithm: DigestAlgorithm) {
    this.#worker = new Worker(workerSource, { eval: true, workerData: { buffer, algorithm } });
    this.#worker.on('message', (reply: Reply) => this.#waiters.shift()?.resolve(reply));
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`the hash worker exited (code ${code})`)));
  }

  /** Adds `length` bytes of the shared buffer at `offset` to the hash; resolves once they are hashed. */
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
