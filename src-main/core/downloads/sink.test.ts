// The partial writer with a tiny ring, so every slot boundary, the backpressure and the
// O_DIRECT/page-cache split are exercised by a small file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { HashWorkerPool } from './hash-worker.ts';
import { PartialWriter, type WriterOptions } from './sink.ts';
import { randomBody, tempDir } from './test-support/temp.ts';

const hashers = new HashWorkerPool();
after(() => hashers.close());

const body = randomBody((1 << 20) + 12_345);
const hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function open(options: WriterOptions, keep = false, file?: string): Promise<{ writer: PartialWriter; file: string; seen: number[]; done: () => Promise<void> }> {
  const target = file ?? path.join(await tempDir(), 'data.partial');
  const seen: number[] = [];
  const hasher = hashers.take();
  const writer = await PartialWriter.open(target, keep, hasher, 'sha256', (bytes) => seen.push(bytes), { slotCount: 3, slotSize: 16 << 10, ...options });
  return { writer, file: target, seen, done: async () => { await writer.close(); await hashers.give(hasher); } };
}

/** Reads `data` into the writer's room in uneven pieces, as the direct transport does. */
async function readInto(writer: PartialWriter, data: Buffer): Promise<void> {
  for (let at = 0, turn = 0; at < data.length; turn++) {
    const room = writer.space();
    const length = Math.min(room.length, data.length - at, 1 + ((turn * 7919) % 9000));
    data.copy(room, 0, at, at + length);
    at += length;
    if (!writer.commit(length)) await writer.ready();
  }
}

/** Copies `data` in as chunks, as a stream body does. */
async function appendAll(writer: PartialWriter, data: Buffer): Promise<void> {
  for (let at = 0, turn = 0; at < data.length; turn++) {
    const length = Math.min(writer.chunkLimit, data.length - at, 1 + ((turn * 104_729) % writer.chunkLimit));
    if (!writer.append(data.subarray(at, at + length))) await writer.ready();
    at += length;
  }
}

for (const direct of [true, false]) {
  const mode = direct ? 'O_DIRECT where possible' : 'page cache only';

  test(`bytes read into the ring land in order on disk, hashed (${mode})`, async () => {
    const { writer, file, seen, done } = await open({ direct });
    await writer.begin();
    await readInto(writer, body);
    await writer.settle();
    await writer.sync();
    assert.equal(writer.bytes, body.length);
    assert.equal(await writer.digest(), hex(body));
    assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'progress only grows');
    await done();
    assert.ok((await fs.readFile(file)).equals(body));
  });

  test(`an attempt ending at an odd offset resumes there (${mode})`, async () => {
    const { writer, file, done } = await open({ direct });
    const cut = 50_001;
    await writer.begin();
    await appendAll(writer, body.subarray(0, cut));
    await writer.settle();
    assert.equal(writer.bytes, cut);
    await writer.begin(); // the next attempt: the first slot is cut short so later slots start aligned
    await readInto(writer, body.subarray(cut));
    await writer.settle();
    assert.equal(await writer.digest(), hex(body));
    await done();
    assert.ok((await fs.readFile(file)).equals(body));
  });

  test(`restart() drops everything; adopt() takes over a partial file after an app restart (${mode})`, async () => {
    const first = await open({ direct });
    await first.writer.begin();
    await appendAll(first.writer, randomBody(70_000));
    await first.writer.settle();
    await first.writer.restart();
    assert.equal(first.writer.bytes, 0);
    await appendAll(first.writer, body.subarray(0, 300_000));
    await first.writer.settle();
    await first.done();

    const second = await open({ direct }, true, first.file);
    await second.writer.adopt(300_000);
    await second.writer.begin();
    await readInto(second.writer, body.subarray(300_000));
    await second.writer.settle();
    assert.equal(await second.writer.digest(), hex(body));
    await second.done();
    assert.ok((await fs.readFile(first.file)).equals(body));
  });
}
