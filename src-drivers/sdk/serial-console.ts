// A serial console for drivers whose hypervisor logs the port to a file and serves it on a unix
// socket (QEMU's `-chardev socket,...,logfile=`, libvirt's <serial type='unix'><log/>), for any
// number of engine streams in any number of driver processes, without a pty (a sandboxed
// driver has no host /dev/pts) and without holding the socket (it serves one client at a time):
//   out: every byte the guest writes lands in the log, connected client or not; a console
//        follows that file from where it was opened (after replaying recent output), so every
//        console sees the same bytes. When the log is renamed away (a new boot, or virtlogd's
//        roll-over at 2 MiB), the console drains the old file and follows the new one.
//   in:  keystrokes go over a brief connection to the socket, closed again once typing pauses,
//        so other engines can type too. Each write is answered (a stream ack) only once the
//        socket took it, so a big paste waits upstream instead of piling up here. Output that
//        arrives on that connection (a keystroke's echo) brings a read of the log at once.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { AttachedStreams } from './attached-streams.ts';
import type { StreamHub } from './streams.ts';

/** Recent output replayed to a newly attached stream, so a console opened after boot is not blank. */
const REPLAY_BYTES = 64 * 1024;
/** How long the input connection stays open after the last keystroke. */
const INPUT_IDLE_MS = 150;
const READ_CHUNK = 256 * 1024;

export class SerialConsole {
  readonly #logFile: string;
  readonly #socketPath: string;
  readonly #streams: StreamHub;
  readonly #onProblem: (message: string) => void;
  readonly #attached: AttachedStreams;
  #watcher: fs.FSWatcher | undefined;
  /** Watches the folder while the log is renamed away and its successor not yet there. */
  #folderWatcher: fs.FSWatcher | undefined;
  #fd: number;
  #ino: number;
  #offset: number;
  /** File reads and attaches run in order on this chain, so a new stream's replay and the live bytes meet exactly. */
  #queue: Promise<void> = Promise.resolve();
  #input: net.Socket | undefined;
  #inputTimer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Starts following `logFile` from its current end. */
  constructor(logFile: string, socketPath: string, streams: StreamHub, onProblem: (message: string) => void) {
    this.#logFile = logFile;
    this.#socketPath = socketPath;
    this.#streams = streams;
    this.#attached = new AttachedStreams(streams);
    this.#onProblem = onProblem;
    this.#fd = fs.openSync(logFile, fs.constants.O_RDONLY | fs.constants.O_CREAT);
    const stat = fs.fstatSync(this.#fd);
    this.#ino = stat.ino;
    this.#offset = stat.size;
    this.#watchFile();
  }

  /** Watches the log file itself: writes bring reads, a rename (roll-over) a switch to the new file. */
  #watchFile(): void {
    this.#watcher?.close();
    const watcher = fs.watch(this.#logFile, (event) => {
      if (watcher !== this.#watcher) return;
      this.#enqueue(() => (event === 'rename' ? this.#switchFile() : this.#drain()));
    });
    watcher.on('error', () => this.close());
    watcher.unref();
    this.#watcher = watcher;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Replays recent output to `streamId`, then live output; bytes written on it reach the guest. */
  attach(streamId: string): Promise<void> {
    this.#attached.listen(streamId, (bytes) => this.#type(bytes));
    return this.#enqueue(() => {
      this.#drain();
      const start = Math.max(0, this.#offset - REPLAY_BYTES);
      const recent = this.#read(start, this.#offset - start);
      if (recent.length > 0) this.#streams.write(streamId, recent);
      this.#attached.add(streamId);
    });
  }

  /** Detaches `streamId` and ends it for the engine. Unknown ids are ignored. */
  detach(streamId: string): boolean {
    return this.#attached.detach(streamId);
  }

  /** Ends every stream (the VM is gone); the log stays. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    this.#folderWatcher?.close();
    clearTimeout(this.#inputTimer);
    this.#input?.destroy();
    this.#attached.endAll();
    void this.#queue.finally(() => fs.closeSync(this.#fd));
  }

  #enqueue(task: () => Promise<void> | void): Promise<void> {
    const run = this.#queue.then(() => (this.#closed ? undefined : task()));
    this.#queue = run.catch((error: unknown) => {
      this.#onProblem(`the serial console stopped following ${this.#logFile}: ${error instanceof Error ? error.message : String(error)}`);
      this.close();
    });
    return run;
  }

  /** The file at the path changed: drain the old one, then follow the new one from its start. */
  #switchFile(): void {
    this.#drain();
    let fd: number;
    try {
      fd = fs.openSync(this.#logFile, fs.constants.O_RDONLY);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      // Renamed away, the successor not created yet: wait for it to appear in the folder.
      if (!this.#folderWatcher) {
        const base = path.basename(this.#logFile);
        this.#folderWatcher = fs.watch(path.dirname(this.#logFile), (_event, file) => {
          if (file === null || file.toString() === base) this.#enqueue(() => this.#switchFile());
        });
        this.#folderWatcher.on('error', () => this.close());
        this.#folderWatcher.unref();
      }
      return;
    }
    this.#folderWatcher?.close();
    this.#folderWatcher = undefined;
    const ino = fs.fstatSync(fd).ino;
    if (ino === this.#ino) {
      fs.closeSync(fd); // the same file (renamed and back): nothing to switch
    } else {
      fs.closeSync(this.#fd);
      this.#fd = fd;
      this.#ino = ino;
      this.#offset = 0;
    }
    this.#watchFile();
    this.#drain();
  }

  #drain(): void {
    const { size } = fs.fstatSync(this.#fd);
    if (size < this.#offset) this.#offset = 0; // truncated
    while (this.#offset < size) {
      const bytes = this.#read(this.#offset, Math.min(READ_CHUNK, size - this.#offset));
      if (bytes.length === 0) break;
      this.#offset += bytes.length;
      this.#attached.write(bytes);
    }
  }

  #read(position: number, length: number): Uint8Array {
    const buffer = new Uint8Array(length);
    const read = fs.readSync(this.#fd, buffer, 0, length, position);
    return buffer.subarray(0, read);
  }

  /** Sends keystrokes to the guest; settles once the socket has taken them (or they cannot go). */
  #type(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (!this.#input) {
      const socket = net.createConnection(this.#socketPath);
      // The guest's output also arrives here while we type (a keystroke's echo): read the log
      // now rather than when its watch fires, often a millisecond later. QEMU may log the bytes
      // a moment after the socket got them; then the read finds nothing and the watch brings them.
      socket.on('data', () => void this.#enqueue(() => this.#drain()));
      socket.on('error', () => undefined); // the VM went: the watch closes the console
      socket.on('close', () => { if (this.#input === socket) this.#input = undefined; });
      socket.unref(); // an open console never keeps the driver process alive by itself
      this.#input = socket;
    }
    const taken = new Promise<void>((resolve) => this.#input?.write(bytes, () => resolve()));
    clearTimeout(this.#inputTimer);
    this.#inputTimer = setTimeout(() => {
      const idle = this.#input;
      this.#input = undefined; // the next keystroke opens a fresh connection
      idle?.end();
    }, INPUT_IDLE_MS);
    return taken;
  }
}
