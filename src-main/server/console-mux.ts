// The console streams of one page, multiplexed by ids the page chooses, over whatever carries
// its messages: the web shell's /ws WebSocket (socket.ts) and the Electron window's IPC
// session (electron/session.ts) both hand their parsed messages here, so the limits and the
// pacing are the same in both shells.
//
// Pacing: the page sends a paste in console-writes of at most maxConsoleWriteBytes and keeps
// only a few in flight; each is answered with console-written once the engine has passed it
// on, and only then does the page send more. Output goes the other way in messages of at most
// maxConsoleDataBytes.
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { ClientMessage, ConsoleStream, CorralApi, ServerMessage } from '../api/contract.ts';
import { maxConsoleDataBytes } from '../api/schemas.ts';

/** Most console streams one page may hold open: a page that leaks them is refused more. */
export const maxConsoleStreams = 32;

export interface ConsoleMux {
  /** Handles one console message from the page, already parsed with clientMessageSchema. */
  receive(message: ClientMessage): void;
  /** The page is gone: every console detaches (the VMs keep running), nothing more is posted. */
  close(): void;
}

export function openConsoleMux(api: Pick<CorralApi, 'openConsole'>, send: (message: ServerMessage) => void): ConsoleMux {
  const streams = new Map<string, Promise<ConsoleStream | undefined>>();
  let closed = false;
  const post = (message: ServerMessage): void => {
    if (!closed) send(message);
  };

  const open = async (id: string, name: string): Promise<ConsoleStream | undefined> => {
    try {
      const stream = await api.openConsole(name);
      if (closed) {
        await stream.close();
        return undefined;
      }
      post({ type: 'console-opened', id });
      const output = coalesce((bytes) => post({ type: 'console-data', id, data: bytes.toString('base64') }));
      stream.onData(output.push);
      stream.onEnd((reason, driverRestartMs) => {
        output.flush();
        streams.delete(id);
        post({ type: 'console-ended', id, reason, ...(driverRestartMs === undefined ? {} : { driverRestartMs }) });
      });
      return stream;
    } catch (error) {
      streams.delete(id);
      post({ type: 'console-error', id, error: toDriverError(error).toJSON() });
      return undefined;
    }
  };

  /** Writes in the order they came (each waits on the same opened stream), answering each once passed on. */
  const write = (id: string, bytes: Buffer): void => {
    void streams.get(id)?.then(async (stream) => {
      if (!stream) return;
      await stream.write(bytes);
      post({ type: 'console-written', id, bytes: bytes.length });
    }).catch(() => undefined); // a stream that ended meanwhile has said so with console-ended
  };

  return {
    receive(message) {
      if (closed) return;
      switch (message.type) {
        case 'console-open':
          if (streams.has(message.id)) return;
          if (streams.size >= maxConsoleStreams) {
            return post({ type: 'console-error', id: message.id, error: { code: 'BUSY', message: `too many open consoles (${maxConsoleStreams}); close some`, details: {} } });
          }
          streams.set(message.id, open(message.id, message.name));
          return;
        case 'console-write':
          return write(message.id, Buffer.from(message.data, 'base64'));
        case 'console-close':
          void streams.get(message.id)?.then((stream) => stream?.close());
          streams.delete(message.id);
          return;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const stream of streams.values()) void stream.then((s) => s?.close());
      streams.clear();
    },
  };
}

/**
 * Console bytes that arrive within one turn of the event loop leave together, in messages of
 * at most maxConsoleDataBytes: a guest printing fast produces many small chunks, and each
 * message costs a frame, base64 and an xterm write in the page.
 */
function coalesce(deliver: (bytes: Buffer) => void): { push(bytes: Uint8Array): void; flush(): void } {
  let pending: Uint8Array[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes = Buffer.concat(pending);
    pending = [];
    for (let start = 0; start < bytes.length; start += maxConsoleDataBytes) deliver(bytes.subarray(start, start + maxConsoleDataBytes));
  };
  return {
    push(bytes) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(bytes);
    },
    flush,
  };
}
