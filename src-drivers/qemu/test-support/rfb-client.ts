// A minimal RFB (VNC) client for the QEMU driver's tests (not a test file itself): version
// handshake, VNC authentication, and one raw framebuffer update, enough to see that a wrong
// password is refused and that the guest's screen has pixels on it. RFC 6143.
import { createCipheriv } from 'node:crypto';
import net from 'node:net';

/** Reads exact byte counts from a socket, in order. */
class Reader {
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #error: Error | undefined;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => { this.#buffer = Buffer.concat([this.#buffer, chunk]); this.#wake?.(); });
    socket.on('error', (error) => { this.#error = error; this.#wake?.(); });
    socket.on('close', () => { this.#error ??= new Error('the VNC server closed the connection'); this.#wake?.(); });
  }

  async read(length: number): Promise<Buffer> {
    while (this.#buffer.length < length) {
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve) => { this.#wake = resolve; });
    }
    const out = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return out;
  }
}

/**
 * VNC authentication's DES: the password (8 bytes, zero-padded) is the key with each byte's
 * bits reversed. Node's OpenSSL 3 has no single DES, but two-key triple DES with both keys
 * equal (encrypt, decrypt, encrypt) is exactly one DES encryption.
 */
export function vncResponse(challenge: Buffer, password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) {
    let b = key[i] ?? 0;
    let r = 0;
    for (let bit = 0; bit < 8; bit++) { r = (r << 1) | (b & 1); b >>= 1; }
    key[i] = r;
  }
  const cipher = createCipheriv('des-ede-ecb', Buffer.concat([key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(challenge), cipher.final()]);
}

export type RfbOutcome =
  | { ok: true; width: number; height: number; name: string; pixels: Buffer }
  | { ok: false; reason: string };

/** Connects, authenticates with `password`, and (if let in) fetches one full raw frame. */
export async function rfbSession(host: string, port: number, password: string): Promise<RfbOutcome> {
  const socket = net.createConnection({ host, port });
  const reader = new Reader(socket);
  try {
    const version = (await reader.read(12)).toString('latin1');
    if (!version.startsWith('RFB 003.')) throw new Error(`not an RFB server: ${JSON.stringify(version)}`);
    socket.write('RFB 003.008\n');
    const count = (await reader.read(1)).readUInt8(0);
    if (count === 0) {
      const length = (await reader.read(4)).readUInt32BE(0);
      return { ok: false, reason: (await reader.read(length)).toString('utf8') };
    }
    const types = [...(await reader.read(count))];
    if (!types.includes(2)) throw new Error(`the server does not offer VNC authentication (types ${types.join(',')})`);
    socket.write(Buffer.from([2]));
    socket.write(vncResponse(await reader.read(16), password));
    if ((await reader.read(4)).readUInt32BE(0) !== 0) {
      const length = (await reader.read(4)).readUInt32BE(0);
      return { ok: false, reason: (await reader.read(length)).toString('utf8') };
    }
    socket.write(Buffer.from([1])); // ClientInit: shared
    const init = await reader.read(24);
    const width = init.readUInt16BE(0);
    const height = init.readUInt16BE(2);
    const bitsPerPixel = init.readUInt8(4);
    const name = (await reader.read(init.readUInt32BE(20))).toString('utf8');
    // SetEncodings: raw only, so the rectangles need no decoder.
    socket.write(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
    // FramebufferUpdateRequest: the whole screen, not incremental.
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0);
    request.writeUInt8(0, 1);
    request.writeUInt16BE(width, 6);
    request.writeUInt16BE(height, 8);
    socket.write(request);
    const bytesPerPixel = bitsPerPixel / 8;
    const pixels = Buffer.alloc(width * height * bytesPerPixel);
    const type = (await reader.read(1)).readUInt8(0);
    if (type !== 0) throw new Error(`unexpected server message type ${type}`);
    const rects = (await reader.read(3)).readUInt16BE(1);
    for (let i = 0; i < rects; i++) {
      const header = await reader.read(12);
      const [x, y, w, h] = [header.readUInt16BE(0), header.readUInt16BE(2), header.readUInt16BE(4), header.readUInt16BE(6)];
      if (header.readInt32BE(8) !== 0) continue; // pseudo-encodings (desktop size and the like) carry no pixels
      const data = await reader.read(w * h * bytesPerPixel);
      for (let row = 0; row < h; row++) {
        data.copy(pixels, ((y + row) * width + x) * bytesPerPixel, row * w * bytesPerPixel, (row + 1) * w * bytesPerPixel);
      }
    }
    return { ok: true, width, height, name, pixels };
  } finally {
    socket.destroy();
  }
}

/** Whether a TCP connection to host:port is accepted (false on refusal or an unreachable host). */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host, port });
    socket.setTimeout(5_000, () => { socket.destroy(); resolve(false); });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
