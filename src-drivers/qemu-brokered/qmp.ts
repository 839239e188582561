// A small QMP client: one connection per command (greeting, qmp_capabilities, the command),
// and a held connection whose end says QEMU has gone. Enough for this driver; QMP's reference
// is QEMU's docs/interop/qmp-spec.
import net from 'node:net';
import { DriverError } from '../sdk/index.ts';

type Reply = { return?: unknown; error?: { desc?: string }; QMP?: unknown; event?: string };

/** Whether an error means nothing listens on the socket (QEMU not running). */
export const isAbsent = (error: unknown) => ['ENOENT', 'ECONNREFUSED'].includes((error as NodeJS.ErrnoException).code ?? '');

function connect(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => { socket.off('error', reject); resolve(socket); });
    socket.once('error', reject);
  });
}

/** Replies one at a time, events skipped. */
function replies(socket: net.Socket): () => Promise<Reply> {
  let buffer = '';
  const ready: Reply[] = [];
  let waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  let ended: Error | undefined;
  socket.setEncoding('utf8');
  socket.on('error', () => undefined); // 'close' follows, and fails the reply awaited
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const reply = JSON.parse(buffer.slice(0, nl)) as Reply;
      buffer = buffer.slice(nl + 1);
      if (reply.event) continue;
      if (waiting) { waiting.resolve(reply); waiting = undefined; } else ready.push(reply);
    }
  });
  socket.once('close', () => {
    ended = new Error('QEMU closed its monitor');
    waiting?.reject(ended);
  });
  return () => {
    const next = ready.shift();
    if (next) return Promise.resolve(next);
    if (ended) return Promise.reject(ended);
    return new Promise((resolve, reject) => { waiting = { resolve, reject }; });
  };
}

/** Runs one QMP command; throws VM_FAILED with QEMU's words when it refuses, a plain error when nothing listens. */
export async function qmp(socketPath: string, execute: string, timeoutMs = 10_000): Promise<unknown> {
  const socket = await connect(socketPath);
  const timer = setTimeout(() => socket.destroy(new Error(`QEMU did not answer ${execute} within ${timeoutMs / 1000} s`)), timeoutMs);
  try {
    const next = replies(socket);
    await next(); // the greeting
    socket.write('{"execute":"qmp_capabilities"}\n');
    await next();
    socket.write(`${JSON.stringify({ execute })}\n`);
    const reply = await next();
    if (reply.error) throw new DriverError('VM_FAILED', `QEMU refused ${execute}: ${reply.error.desc ?? 'no reason given'}`);
    return reply.return;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

/** Holds the watch monitor open; `onGone` runs once when QEMU closes it (it exited). Resolves once held. */
export async function watchUntilGone(socketPath: string, onGone: () => void): Promise<net.Socket> {
  const socket = await connect(socketPath);
  socket.once('close', onGone);
  socket.on('error', () => undefined); // 'close' follows and says it
  socket.resume();
  return socket;
}
