// `Transfer-Encoding: chunked` for the direct transport, decoded in place: the bytes read into a
// slot are compacted so the data ends up at the front of the same buffer, never copied out.
// Chunk extensions and trailers are skipped; anything else malformed is an error.

type State = 'size' | 'extension' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'trailer-start' | 'trailer' | 'final-lf' | 'done';

const CR = 0x0d;
const LF = 0x0a;
/** 13 hex digits already exceed any file this downloader could hold (2^52). */
const maxSizeDigits = 13;

export class ChunkedDecoder {
  #state: State = 'size';
  #size = 0;
  #digits = 0;
  #remaining = 0;

  get done(): boolean {
    return this.#state === 'done';
  }

  /** Decodes `data` in place; returns how many data bytes now lie at its front. */
  decode(data: Buffer): number {
    let out = 0;
    let at = 0;
    while (at < data.length && this.#state !== 'done') {
      if (this.#state === 'data') {
        const take = Math.min(this.#remaining, data.length - at);
        if (out !== at) data.copyWithin(out, at, at + take);
        out += take;
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = 'data-cr';
        continue;
      }
      this.#step(data[at] ?? 0);
      at++;
    }
    return out;
  }

  #step(byte: number): void {
    switch (this.#state) {
      case 'size': return this.#sizeByte(byte);
      case 'extension': if (byte === CR) this.#state = 'size-lf'; return;
      case 'size-lf': return this.#endSizeLine(byte);
      case 'data-cr': return this.#expect(byte, CR, 'data-lf');
      case 'data-lf': return this.#expect(byte, LF, 'size');
      case 'trailer-start': this.#state = byte === CR ? 'final-lf' : 'trailer'; return;
      case 'trailer': if (byte === LF) this.#state = 'trailer-start'; return;
      case 'final-lf': return this.#expect(byte, LF, 'done');
      default: return;
    }
  }

  #sizeByte(byte: number): void {
    const digit = hexValue(byte);
    if (digit >= 0) {
      if (++this.#digits > maxSizeDigits) throw new Error('chunked body: chunk size too large');
      this.#size = this.#size * 16 + digit;
    } else if (byte === CR) {
      this.#state = 'size-lf';
    } else if (byte === 0x3b || byte === 0x20 || byte === 0x09) { // ';', or whitespace before it
      this.#state = 'extension';
    } else {
      throw new Error('chunked body: bad chunk size');
    }
  }

  #endSizeLine(byte: number): void {
    if (byte !== LF || this.#digits === 0) throw new Error('chunked body: bad chunk size line');
    this.#remaining = this.#size;
    this.#state = this.#size === 0 ? 'trailer-start' : 'data';
    this.#size = 0;
    this.#digits = 0;
  }

  #expect(byte: number, wanted: number, next: State): void {
    if (byte !== wanted) throw new Error('chunked body: missing CRLF');
    this.#state = next;
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}
