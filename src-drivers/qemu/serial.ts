// The guest's serial console, shared by any number of engine streams. QEMU's socket chardev
// serves ONE client at a time, so the driver holds one connection per VM and fans the guest's
// bytes out to every attached stream; what the engine writes on any stream goes to the guest.
// A new driver process simply connects again: the old one's connection died with it.
import net from 'node:net';
import { DriverError } from '../sdk/index.ts';
import type { StreamHub } from '../sdk/index.ts';

/** Recent output replayed to a newly attached stream, so a console opened after boot is not blank. */
const REPLAY_BYTES = 64 * 1024;

export class SerialConsole {
  readonly #socket: net.Socket;
  readonly #streams: StreamHub;
  readonly #attached = new Set<string>();
  readonly #recent: Buffer[] = [];
  #recentBytes = 0;
  #closed = false;
  readonly #onClose: Array<() => void> = [];

  private constructor(socket: net.Socket, streams: StreamHub) {
    this.#socket = socket;
    this.#streams = streams;
    socket.on('data', (chunk: Buffer) => this.#fromGuest(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Connects to the VM's serial socket. Rejects with VM_FAILED when nothing listens there. */
  static connect(socketPath: string, streams: StreamHub): Promise<SerialConsole> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(socketPath);
      const fail = (error: Error) => reject(new DriverError('VM_FAILED', `cannot connect to the serial console at ${socketPath}: ${error.message}`, { socket: socketPath }));
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        resolve(new SerialConsole(socket, streams));
      });
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Called once when the connection ends (the VM exited, or the socket failed). */
  onClose(listener: () => void): void {
    if (this.#closed) listener(); else this.#onClose.push(listener);
  }

  /** Sends recent output, then live output, to `streamId`; bytes written on it reach the guest. */
  attach(streamId: string): void {
    if (this.#closed) throw new DriverError('INVALID_STATE', 'the serial console is closed (the VM stopped)');
    this.#attached.add(streamId);
    if (this.#recentBytes > 0) this.#streams.write(streamId, new Uint8Array(Buffer.concat(this.#recent)));
    this.#streams.listen(streamId, {
      data: (bytes) => { if (!this.#closed) this.#socket.write(bytes); },
      // The engine ended the stream: stop sending to it.
      end: () => { this.#attached.delete(streamId); },
    });
  }

  /** Detaches `streamId` and ends it for the engine. Unknown ids are ignored. */
  detach(streamId: string): boolean {
    if (!this.#attached.delete(streamId)) return false;
    this.#streams.end(streamId);
    return true;
  }

  /** Ends every attached stream and the connection; the VM keeps running. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    for (const id of this.#attached) this.#streams.end(id);
    this.#attached.clear();
    for (const listener of this.#onClose.splice(0)) listener();
  }

  #fromGuest(chunk: Buffer): void {
    this.#recent.push(chunk);
    this.#recentBytes += chunk.length;
    while (this.#recentBytes - (this.#recent[0]?.length ?? 0) >= REPLAY_BYTES) {
      this.#recentBytes -= this.#recent.shift()?.length ?? 0;
    }
    // A copy per chunk: the link may transfer or clone it, and Buffers share a pool.
    const bytes = new Uint8Array(chunk);
    for (const id of this.#attached) this.#streams.write(id, bytes);
  }
}
