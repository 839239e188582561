// Console output on its way to a page: the first bytes after a quiet spell (a keystroke's echo)
// leave at once, and what follows within the same turn of the event loop leaves together, in
// messages of at most `maxBytes`: a guest printing fast produces many small chunks, and each
// message costs a frame, base64 and an xterm write in the page. Order is kept throughout.

export interface Coalescer {
  push(bytes: Uint8Array): void;
  /** Sends what waits now (the stream ended). */
  flush(): void;
}

export function coalesce(deliver: (bytes: Buffer) => void, maxBytes: number): Coalescer {
  /** Chunks waiting for the end of this turn; undefined when no batch is open (the line is quiet). */
  let pending: Uint8Array[] | undefined;
  const send = (bytes: Buffer): void => {
    for (let start = 0; start < bytes.length; start += maxBytes) deliver(bytes.subarray(start, start + maxBytes));
  };
  const flush = (): void => {
    const waiting = pending;
    pending = undefined;
    if (waiting && waiting.length > 0) send(Buffer.concat(waiting));
  };
  return {
    push(bytes) {
      if (pending) return void pending.push(bytes);
      // Waiting a turn here would only delay an echo: nothing else is on its way yet.
      pending = [];
      setImmediate(flush);
      send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
    flush,
  };
}
