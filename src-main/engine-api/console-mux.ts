// The console streams of one page, multiplexed by ids the page chooses, over whatever carries
// its messages: the web shell's /ws WebSocket (socket.ts) and the Electron window's IPC
// session (electron/session.ts) both hand their parsed messages here, so the limits and the
// pacing are the same in both shells. A Terminal tab's SSH shell is a stream here too (opened
// with terminal-open, resized with terminal-resize): same writes, answers, ends and limits.
//
// Pacing: the page sends a paste in console-writes of at most maxConsoleWriteBytes and keeps
// only a few in flight; each is answered with console-written once the engine has passed it
// on, and only then does the page send more. Output goes the other way in messages of at most
// maxConsoleDataBytes (console-coalesce.ts).
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { ClientMessage, ConsoleStream, CorralApi, ServerMessage, TerminalStream } from '../api/contract.ts';
import { maxConsoleDataBytes } from '../api/schemas.ts';
import { coalesce } from './console-coalesce.ts';

/** Most console streams one page may hold open: a page that leaks them is refused more. */
export const maxConsoleStreams = 32;
/**
 * Most input bytes one stream may have unanswered: sixteen times what our page keeps in
 * flight. A page that does not wait for console-written gets its console ended, instead of
 * the engine holding whatever it sends.
 */
export const maxUnansweredBytes = 1024 * 1024;

export interface ConsoleMux {
  /** Handles one console message from the page, already parsed with clientMessageSchema. */
  receive(message: ClientMessage): void;
  /** The page is gone: every console detaches (the VMs keep running), nothing more is posted. */
  close(): void;
}

/** One stream as the mux keeps it. */
interface Entry {
  stream: Promise<ConsoleStream | TerminalStream | undefined>;
  /** Input bytes passed to the engine and not yet answered. */
  unanswered: number;
  /** Ended here (too much input unanswered), and the page told so: the stream's own end says nothing more. */
  refused: boolean;
}

export function openConsoleMux(api: Pick<CorralApi, 'openConsole' | 'openTerminal'>, send: (message: ServerMessage) => void): ConsoleMux {
  const streams = new Map<string, Entry>();
  let closed = false;
  const post = (message: ServerMessage): void => {
    if (!closed) send(message);
  };

  /** Attaches a stream (`attach` opens the serial console or a terminal) and relays it under `id`. */
  const open = async <S extends ConsoleStream>(id: string, entry: Entry, attach: () => Promise<S>): Promise<S | undefined> => {
    try {
      const stream = await attach();
      if (closed) {
        await stream.close();
        return undefined;
      }
      post({ type: 'console-opened', id });
      const output = coalesce((bytes) => post({ type: 'console-data', id, data: bytes.toString('base64') }), maxConsoleDataBytes);
      stream.onData(output.push);
      stream.onEnd((reason, driverRestartMs) => {
        output.flush();
        if (streams.get(id) === entry) streams.delete(id);
        if (!entry.refused) post({ type: 'console-ended', id, reason, ...(driverRestartMs === undefined ? {} : { driverRestartMs }) });
      });
      return stream;
    } catch (error) {
      if (streams.get(id) === entry) streams.delete(id);
      post({ type: 'console-error', id, error: toDriverError(error).toJSON() });
      return undefined;
    }
  };

  const detach = (id: string): void => {
    void streams.get(id)?.stream.then((stream) => stream?.close());
    streams.delete(id);
  };

  /** Writes in the order they came (each waits on the same opened stream), answering each once passed on. */
  const write = (id: string, bytes: Buffer): void => {
    const entry = streams.get(id);
    if (!entry) return;
    if (entry.unanswered + bytes.length > maxUnansweredBytes) {
      entry.refused = true;
      detach(id);
      return post({ type: 'console-ended', id, reason: `more than ${maxUnansweredBytes} bytes of input were sent without waiting for console-written` });
    }
    entry.unanswered += bytes.length;
    void entry.stream.then(async (stream) => {
      if (!stream) return;
      await stream.write(bytes);
      entry.unanswered -= bytes.length;
      if (!entry.refused) post({ type: 'console-written', id, bytes: bytes.length });
    }).catch(() => undefined); // a stream that ended meanwhile has said so with console-ended
  };

  const start = (id: string, attach: () => Promise<ConsoleStream>): void => {
    if (streams.has(id)) return;
    if (streams.size >= maxConsoleStreams) {
      return post({ type: 'console-error', id, error: { code: 'BUSY', message: `too many open consoles and terminals (${maxConsoleStreams}); close some`, details: {} } });
    }
    const entry: Entry = { stream: Promise.resolve(undefined), unanswered: 0, refused: false };
    streams.set(id, entry);
    entry.stream = open(id, entry, attach);
  };

  /** A resize for a serial console (which has no pty) or an unknown id is ignored. */
  const resize = (id: string, size: { cols: number; rows: number }): void => {
    void streams.get(id)?.stream.then((stream) => {
      if (stream && 'resize' in stream) stream.resize(size);
    });
  };

  return {
    receive(message) {
      if (closed) return;
      switch (message.type) {
        case 'console-open':
          return start(message.id, () => api.openConsole(message.name));
        case 'terminal-open': {
          const { id, name, cols, rows } = message;
          return start(id, () => api.openTerminal({ name, cols, rows }));
        }
        case 'terminal-resize':
          return resize(message.id, { cols: message.cols, rows: message.rows });
        case 'console-write':
          return write(message.id, Buffer.from(message.data, 'base64'));
        case 'console-close':
          return detach(message.id);
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const entry of streams.values()) void entry.stream.then((s) => s?.close());
      streams.clear();
    },
  };
}
