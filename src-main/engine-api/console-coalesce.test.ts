import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { coalesce } from './console-coalesce.ts';

describe('console output coalescing', () => {
  it('sends the first bytes after a quiet spell at once, without waiting for the next turn', () => {
    const sent: string[] = [];
    const output = coalesce((bytes) => sent.push(bytes.toString()), 1024);
    output.push(Buffer.from('a'));
    assert.deepEqual(sent, ['a'], 'an echo leaves in the same turn it arrived');
  });

  it('batches what follows within one turn and keeps every byte in order, in messages within the limit', async () => {
    const maxBytes = 4096;
    const messages: Buffer[] = [];
    const output = coalesce((bytes) => messages.push(Buffer.from(bytes)), maxBytes);
    const chunks: Buffer[] = [];
    // 40 turns of 50 chunks each, sizes from 1 byte to three messages' worth.
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 0; i < 50; i++) {
        const chunk = randomBytes(1 + ((turn * 50 + i) * 7919) % (3 * maxBytes));
        chunks.push(chunk);
        output.push(chunk);
      }
      await nextTurn();
    }
    await nextTurn();
    assert.ok(Buffer.concat(messages).equals(Buffer.concat(chunks)), 'the bytes arrive whole and in order');
    assert.ok(messages.every((m) => m.length <= maxBytes), 'no message over the limit');
    const total = Buffer.concat(chunks).length;
    // Per turn: the first chunk (at most 3 messages) plus the batch (split at the limit).
    assert.ok(messages.length <= 40 * 4 + Math.ceil(total / maxBytes), `batched: ${messages.length} messages for ${chunks.length} chunks`);
  });

  it('sends what waits when flushed (the stream ended), once', async () => {
    const sent: string[] = [];
    const output = coalesce((bytes) => sent.push(bytes.toString()), 1024);
    output.push(Buffer.from('one'));
    output.push(Buffer.from('two'));
    output.push(Buffer.from('three'));
    output.flush();
    assert.deepEqual(sent, ['one', 'twothree']);
    await nextTurn();
    assert.deepEqual(sent, ['one', 'twothree'], 'nothing is sent twice');
  });
});
