// An RFB (VNC) client for tests over any byte stream, not only a TCP socket: the Electron
// display relay's tests speak RFB through IPC frames. Version handshake, VNC authentication
// (the DES answer comes from the QEMU driver's own test client), ClientInit, and one full raw
// frame. RFC 6143.
import { vncResponse } from '../../src-drivers/qemu/test-support/rfb-client.ts';
import type { RfbOutcome } from '../../src-drivers/qemu/test-support/rfb-client.ts';

export type { RfbOutcome };

/** Bytes in, in order; read() waits for exactly `length` of them. */
export class ByteQueue {
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #ended: Error | undefined;
  /** Every byte pushed so far, and in how many pushes: what crossed the relay. */
  total = 0;
  pushes = 0;

  push(bytes: Uint8Array): void {
    this.#buffer = Buffer.concat([this.#buffer, bytes]);
    this.total += bytes.byteLength;
    this.pushes++;
    this.#wake?.();
  }

  end(reason: string): void {
    this.#ended ??= new Error(`the stream ended: ${reason}`);
    this.#wake?.();
  }

  async read(length: number): Promise<Buffer> {
    while (this.#buffer.length < length) {
      if (this.#ended) throw this.#ended;
      await new Promise<void>((resolve) => { this.#wake = resolve; });
    }
    const out = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return out;
  }
}

export interface RfbStream {
  read(length: number): Promise<Buffer>;
  write(bytes: Uint8Array): void;
}

/** Authenticates with `password` and, if let in, fetches one full raw frame. */
export async function rfbOver(io: RfbStream, password: string): Promise<RfbOutcome> {
  const version = (await io.read(12)).toString('latin1');
  if (!version.startsWith('RFB 003.')) throw new Error(`not an RFB server: ${JSON.stringify(version)}`);
  io.write(Buffer.from('RFB 003.008\n', 'latin1'));
  const count = (await io.read(1)).readUInt8(0);
  if (count === 0) return { ok: false, reason: (await io.read((await io.read(4)).readUInt32BE(0))).toString('utf8') };
  const types = [...(await io.read(count))];
  if (!types.includes(2)) throw new Error(`the server does not offer VNC authentication (types ${types.join(',')})`);
  io.write(Buffer.from([2]));
  io.write(vncResponse(await io.read(16), password));
  if ((await io.read(4)).readUInt32BE(0) !== 0) {
    return { ok: false, reason: (await io.read((await io.read(4)).readUInt32BE(0))).toString('utf8') };
  }
  io.write(Buffer.from([1])); // ClientInit: shared
  const init = await io.read(24);
  const width = init.readUInt16BE(0);
  const height = init.readUInt16BE(2);
  const bytesPerPixel = init.readUInt8(4) / 8;
  const name = (await io.read(init.readUInt32BE(20))).toString('utf8');
  io.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])); // SetEncodings: raw only
  const request = Buffer.alloc(10); // FramebufferUpdateRequest: the whole screen, not incremental
  request.writeUInt8(3, 0);
  request.writeUInt16BE(width, 6);
  request.writeUInt16BE(height, 8);
  io.write(request);
  const pixels = Buffer.alloc(width * height * bytesPerPixel);
  const type = (await io.read(1)).readUInt8(0);
  if (type !== 0) throw new Error(`unexpected server message type ${type}`);
  const rects = (await io.read(3)).readUInt16BE(1);
  for (let i = 0; i < rects; i++) {
    const header = await io.read(12);
    const [x, y, w, h] = [header.readUInt16BE(0), header.readUInt16BE(2), header.readUInt16BE(4), header.readUInt16BE(6)];
    if (header.readInt32BE(8) !== 0) continue; // pseudo-encodings carry no pixels
    const data = await io.read(w * h * bytesPerPixel);
    for (let row = 0; row < h; row++) {
      data.copy(pixels, ((y + row) * width + x) * bytesPerPixel, row * w * bytesPerPixel, (row + 1) * w * bytesPerPixel);
    }
  }
  return { ok: true, width, height, name, pixels };
}
