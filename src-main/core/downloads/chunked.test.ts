import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkedDecoder } from './chunked.ts';

const encoded = Buffer.from('5;name=value\r\nhello\r\n1A\r\n abcdefghijklmnopqrstuvwxy\r\n0\r\nTrailer: yes\r\n\r\n', 'latin1');
const decoded = 'hello abcdefghijklmnopqrstuvwxy';

/** Feeds the encoding in pieces of `size` bytes, decoding each in place as the transport does. */
function decodeInPieces(size: number): { text: string; done: boolean } {
  const decoder = new ChunkedDecoder();
  const out: Buffer[] = [];
  for (let at = 0; at < encoded.length; at += size) {
    const piece = Buffer.from(encoded.subarray(at, at + size)); // a copy: decoding rewrites it
    out.push(Buffer.from(piece.subarray(0, decoder.decode(piece))));
  }
  return { text: Buffer.concat(out).toString('latin1'), done: decoder.done };
}

test('chunked bodies decode in place, whatever the read boundaries', () => {
  for (const size of [1, 2, 3, 7, 16, encoded.length]) assert.deepEqual(decodeInPieces(size), { text: decoded, done: true }, `pieces of ${size}`);
});

test('bytes after the last chunk are ignored', () => {
  const decoder = new ChunkedDecoder();
  const data = Buffer.from('3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK', 'latin1');
  assert.equal(data.subarray(0, decoder.decode(data)).toString(), 'abc');
  assert.ok(decoder.done);
});

test('malformed chunk framing is an error', () => {
  for (const bad of ['x\r\n', '\r\n', '3\r\nabcX', '3\n', 'fffffffffffffff\r\n']) {
    assert.throws(() => new ChunkedDecoder().decode(Buffer.from(bad, 'latin1')), /chunked body/, JSON.stringify(bad));
  }
});
