// A WebSocket client that writes frames byte by byte, for tests that must send what a well-
// behaved client library refuses to: reserved bits, unknown opcodes, unmasked frames,
// invalid UTF-8 in a text frame, a frame cut off by a reset. It reads the server's frames
// only far enough to collect text messages and answer the close handshake with its code.
import { randomBytes } from 'node:crypto';
import net from 'node:net';

export interface FrameSpec {
  opcode: number;
  payload: Uint8Array;
  fin?: boolean;
  /** The three reserved bits, as a number 0..7. */
  rsv?: number;
  /** Clients must mask; false sends an unmasked frame. */
  mask?: boolean;
  /** Announce this length instead of the payload's (a truncated frame). */
  declaredLength?: number;
}

export function encodeFrame({ opcode, payload, fin = true, rsv = 0, mask = true, declaredLength }: FrameSpec): Buffer {
  const length = declaredLength ?? payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    head.push(...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (key[i % 4] ?? 0);
  return Buffer.concat([Buffer.from(head), key, body]);
}

export interface RawSocket {
  socket: net.Socket;
  /** Text messages the server sent, in order. */
  messages: string[];
  /** Settles when the connection is gone, with the close code the server sent (if any). */
  closed: Promise<number | undefined>;
  /** Resolves with the first text message matching `test`. */
  next(test: (text: string) => boolean): Promise<string>;
  send(frame: FrameSpec): void;
}

/** Upgrades a TCP connection to `path` with `headers`; rejects with the status line when refused. */
export function openRawSocket(port: number, path: string, headers: Record<string, string>): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const request = [
      `GET ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', '',
    ].join('\r\n');
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    let closeCode: number | undefined;
    const messages: string[] = [];
    const waiters = new Set<{ test: (text: string) => boolean; resolve: (text: string) => void }>();
    let settleClosed: (code: number | undefined) => void = () => undefined;
    const closed = new Promise<number | undefined>((done) => { settleClosed = done; });
    const raw: RawSocket = {
      socket, messages, closed,
      next(test) {
        const seen = messages.find(test);
        if (seen !== undefined) return Promise.resolve(seen);
        return new Promise((done, fail) => {
          waiters.add({ test, resolve: done });
          void closed.then((code) => fail(new Error(`the socket closed (${code}) before the awaited message`)));
        });
      },
      send(frame) {
        if (!socket.destroyed) socket.write(encodeFrame(frame));
      },
    };
    const readFrames = (): void => {
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = (buffer[0] ?? 0) & 0x0f;
        let length = (buffer[1] ?? 0) & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const payload = buffer.subarray(offset, offset + length);
        buffer = buffer.subarray(offset + length);
        if (opcode === 0x8 && closeCode === undefined) {
          closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          // Answer the close handshake as a client does, so the server ends the connection at once.
          if (!socket.destroyed) socket.end(encodeFrame({ opcode: 0x8, payload: Buffer.from(payload.subarray(0, 2)) }));
        }
        if (opcode === 0x1) {
          const text = payload.toString('utf8');
          messages.push(text);
          for (const waiter of waiters) {
            if (waiter.test(text)) {
              waiters.delete(waiter);
              waiter.resolve(text);
            }
          }
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = buffer.subarray(0, buffer.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          socket.destroy();
          return reject(new Error(`upgrade refused: ${status}`));
        }
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve(raw);
      }
      readFrames();
    });
    socket.on('error', () => undefined); // a reset by the server is an outcome the tests look at
    socket.on('close', () => {
      settleClosed(closeCode);
      if (!upgraded) reject(new Error('connection closed before the upgrade'));
    });
    socket.write(request);
  });
}
