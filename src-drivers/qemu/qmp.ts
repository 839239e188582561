// A QMP (QEMU Machine Protocol) client over a unix socket: line-delimited JSON, a greeting,
// capability negotiation, then commands whose replies carry the id we sent, with asynchronous
// events (SHUTDOWN, STOP, RESUME, ...) interleaved. QEMU serves one QMP client per monitor at
// a time: a second client connects but gets no greeting until the first one leaves, which is
// why connect() has a deadline and the driver talks to it in short conversations (monitor.ts).
import { EventEmitter } from 'node:events';
import net from 'node:net';
import * as z from 'zod';
import { DriverError } from '../sdk/index.ts';

const greetingSchema = z.object({
  QMP: z.object({ version: z.object({ qemu: z.object({ major: z.number(), minor: z.number(), micro: z.number() }) }) }),
});

const eventSchema = z.object({
  event: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.object({ seconds: z.number(), microseconds: z.number() }),
});

const replySchema = z.union([
  z.object({ return: z.unknown(), id: z.number().optional() }),
  z.object({ error: z.object({ class: z.string(), desc: z.string() }), id: z.number().optional() }),
]);

export type QmpEvent = z.infer<typeof eventSchema>;

export interface QmpConnectOptions {
  /** How long to wait for the socket and the greeting: a busy monitor never greets. */
  timeoutMs?: number;
}

export interface QmpExecuteOptions {
  /** Per-command deadline; QMP commands normally answer in milliseconds. */
  timeoutMs?: number;
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface QmpClientEvents {
  event: [QmpEvent];
  /** The connection is gone: QEMU exited, or the socket failed (then with the error). */
  close: [Error | undefined];
}

export class QmpClient extends EventEmitter<QmpClientEvents> {
  readonly socketPath: string;
  /** "7.2.22", from the greeting. */
  version = '';
  readonly #socket: net.Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #closed: Promise<void>;
  #nextId = 1;
  #buffer = '';
  #isClosed = false;
  #onGreeting: ((error?: Error) => void) | undefined;

  private constructor(socketPath: string, socket: net.Socket) {
    super();
    this.socketPath = socketPath;
    this.#socket = socket;
    this.#closed = new Promise((resolve) => this.once('close', () => resolve()));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#receive(chunk));
    socket.on('error', (error) => {
      // Once greeted, a reset is just QEMU going away (it may close with bytes unread): a plain close.
      const code = (error as NodeJS.ErrnoException).code;
      this.#shutdown(!this.#onGreeting && (code === 'ECONNRESET' || code === 'EPIPE') ? undefined : error);
    });
    socket.on('close', () => this.#shutdown(undefined));
  }

  /** Connects, reads the greeting and negotiates capabilities; rejects with VM_FAILED or TIMEOUT. */
  static async connect(socketPath: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const socket = net.createConnection(socketPath);
    const client = new QmpClient(socketPath, socket);
    const greeted = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new DriverError('TIMEOUT',
        `QMP socket ${socketPath} did not greet within ${timeoutMs} ms (QEMU is hung, or another client holds the monitor)`,
        { socket: socketPath })), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        client.#onGreeting = undefined;
        if (error) reject(error); else resolve();
      };
      client.#onGreeting = finish;
    });
    try {
      await greeted;
      await client.execute('qmp_capabilities');
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Resolves when the connection is gone (for a VM: QEMU has exited or is exiting). */
  closed(): Promise<void> {
    return this.#closed;
  }

  /** Runs a command; resolves with its "return" value, rejects with VM_FAILED on a QMP error. */
  execute(command: string, args?: Record<string, unknown>, options: QmpExecuteOptions = {}): Promise<unknown> {
    if (this.#isClosed) return Promise.reject(closedError(this.socketPath, command));
    const id = this.#nextId++;
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new DriverError('TIMEOUT', `QMP command ${command} got no reply within ${timeoutMs} ms`, { command }));
      }, timeoutMs);
      this.#pending.set(id, { command, resolve, reject, timer });
      this.#socket.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
    });
  }

  /** Like execute(), validating the reply: a reply of another shape is a bug on one side. */
  async query<T>(schema: z.ZodType<T>, command: string, args?: Record<string, unknown>): Promise<T> {
    const value = await this.execute(command, args);
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new DriverError('INTERNAL', `unexpected QMP reply to ${command}: ${parsed.error.message}`, { command });
    return parsed.data;
  }

  close(): void {
    this.#socket.destroy();
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) >= 0) {
      const line = this.#buffer.slice(0, newline).trim();
      this.#buffer = this.#buffer.slice(newline + 1);
      if (line) this.#dispatch(line);
    }
  }

  #dispatch(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return this.#protocolError(`not JSON: ${line.slice(0, 200)}`);
    }
    if (this.#onGreeting) {
      const greeting = greetingSchema.safeParse(message);
      if (!greeting.success) return this.#protocolError(`expected the QMP greeting, got ${line.slice(0, 200)}`);
      const { major, minor, micro } = greeting.data.QMP.version.qemu;
      this.version = `${major}.${minor}.${micro}`;
      this.#onGreeting();
      return;
    }
    const event = eventSchema.safeParse(message);
    if (event.success) {
      this.emit('event', event.data);
      return;
    }
    const reply = replySchema.safeParse(message);
    if (!reply.success) return this.#protocolError(`unexpected message: ${line.slice(0, 200)}`);
    // Replies come in order; one without an id (a JSON parse error on QEMU's side) answers the oldest.
    const id = reply.data.id ?? this.#pending.keys().next().value;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending || id === undefined) return; // the command already timed out
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if ('error' in reply.data) {
      const { class: errorClass, desc } = reply.data.error;
      pending.reject(new DriverError('VM_FAILED', `QMP ${pending.command} failed: ${desc}`, { command: pending.command, qmpClass: errorClass }));
    } else {
      pending.resolve(reply.data.return);
    }
  }

  #protocolError(problem: string): void {
    this.#shutdown(new DriverError('VM_FAILED', `QMP protocol error on ${this.socketPath}: ${problem}`));
  }

  #shutdown(error: Error | undefined): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#socket.destroy();
    const cause = error ? connectError(this.socketPath, error) : undefined;
    this.#onGreeting?.(cause ?? new DriverError('VM_FAILED', `QMP socket ${this.socketPath} closed before the greeting`, { socket: this.socketPath }));
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(closedError(this.socketPath, pending.command));
    }
    this.#pending.clear();
    this.emit('close', cause);
  }
}

function closedError(socketPath: string, command: string): DriverError {
  return new DriverError('VM_FAILED', `QMP connection to ${socketPath} closed before ${command} was answered (QEMU exited?)`, { command, socket: socketPath });
}

function connectError(socketPath: string, error: Error): Error {
  if (error instanceof DriverError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'the socket does not exist (QEMU is not running)'
    : code === 'ECONNREFUSED' ? 'nothing listens on it (QEMU is gone and left a stale socket)'
      : error.message;
  return new DriverError('VM_FAILED', `cannot talk to QMP at ${socketPath}: ${why}`, { socket: socketPath, ...(code ? { errno: code } : {}) });
}
