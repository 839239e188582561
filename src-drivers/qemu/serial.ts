// The guest's serial console, for any number of engine streams in any number of driver
// processes. QEMU's socket chardev serves one client at a time, so no driver holds it:
//   out: QEMU logs every byte the guest writes to serial.log, connected client or not; a
//        console follows that file from where it was opened (after replaying recent output),
//        so several consoles, in several processes, see the same bytes and miss none.
//   in:  keystrokes go over a brief connection to the serial socket, closed again once typing
//        pauses, so another engine's keystrokes wait at most that long.
import fs from 'node:fs';
import net from 'node:net';
import type { StreamHub } from '../sdk/index.ts';

/** Recent output replayed to a newly attached stream, so a console opened after boot is not blank. */
const REPLAY_BYTES = 64 * 1024;
/** How long the input connection stays open after the last keystroke. */
const INPUT_IDLE_MS = 150;
const READ_CHUNK = 256 * 1024;

export class SerialConsole {
  readonly #socketPath: string;
  readonly #streams: StreamHub;
  readonly #attached = new Set<string>();
  readonly #watcher: fs.FSWatcher;
  readonly #fd: number;
  #offset: number;
  /** File reads and attaches run in order on this chain, so a new stream's replay and the live bytes meet exactly. */
  #queue: Promise<void> = Promise.resolve();
  #input: net.Socket | undefined;
  #inputTimer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Starts following `logFile` from its current end. */
  constructor(logFile: string, socketPath: string, streams: StreamHub) {
    this.#socketPath = socketPath;
    this.#streams = streams;
    this.#fd = fs.openSync(logFile, fs.constants.O_RDONLY | fs.constants.O_CREAT);
    this.#offset = fs.fstatSync(this.#fd).size;
    this.#watcher = fs.watch(logFile, () => this.#enqueue(() => this.#readNew()));
    this.#watcher.on('error', () => this.close());
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  get streamCount(): number {
    return this.#attached.size;
  }

  /** Replays recent output to `streamId`, then live output; bytes written on it reach the guest. */
  attach(streamId: string): Promise<void> {
    this.#streams.listen(streamId, {
      data: (bytes) => this.#type(bytes),
      end: () => { this.#attached.delete(streamId); },
    });
    return this.#enqueue(async () => {
      await this.#readNew();
      const start = Math.max(0, this.#offset - REPLAY_BYTES);
      const recent = this.#read(start, this.#offset - start);
      if (recent.length > 0) this.#streams.write(streamId, recent);
      this.#attached.add(streamId);
    });
  }

  /** Detaches `streamId` and ends it for the engine. Unknown ids are ignored. */
  detach(streamId: string): boolean {
    if (!this.#attached.delete(streamId)) return false;
    this.#streams.end(streamId);
    return true;
  }

  /** Ends every stream (the VM is gone); the log stays. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher.close();
    clearTimeout(this.#inputTimer);
    this.#input?.destroy();
    for (const id of this.#attached) this.#streams.end(id);
    this.#attached.clear();
    void this.#queue.finally(() => fs.closeSync(this.#fd));
  }

  #enqueue(task: () => Promise<void> | void): Promise<void> {
    const run = this.#queue.then(() => (this.#closed ? undefined : task()));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #readNew(): void {
    const { size } = fs.fstatSync(this.#fd);
    if (size < this.#offset) this.#offset = 0; // the log was rotated at a start
    while (this.#offset < size) {
      const bytes = this.#read(this.#offset, Math.min(READ_CHUNK, size - this.#offset));
      if (bytes.length === 0) break;
      this.#offset += bytes.length;
      for (const id of this.#attached) this.#streams.write(id, bytes);
    }
  }

  #read(position: number, length: number): Uint8Array {
    const buffer = new Uint8Array(length);
    const read = fs.readSync(this.#fd, buffer, 0, length, position);
    return buffer.subarray(0, read);
  }

  #type(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#input) {
      const socket = net.createConnection(this.#socketPath);
      socket.on('data', () => undefined); // the guest's echo also arrives here; the log has it
      socket.on('error', () => undefined); // the VM went: the watch closes the console
      socket.on('close', () => { if (this.#input === socket) this.#input = undefined; });
      socket.unref(); // an open console never keeps the driver process alive by itself
      this.#input = socket;
    }
    this.#input.write(bytes);
    clearTimeout(this.#inputTimer);
    this.#inputTimer = setTimeout(() => {
      const idle = this.#input;
      this.#input = undefined; // the next keystroke opens a fresh connection
      idle?.end();
    }, INPUT_IDLE_MS);
  }
}
