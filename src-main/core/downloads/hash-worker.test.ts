import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'node:test';
import { HashWorkerPool } from './hash-worker.ts';
import { randomBody } from './test-support/temp.ts';

test('the worker hashes ranges of the shared buffer in the order posted, and starts over after a digest', async () => {
  const pool = new HashWorkerPool();
  const worker = pool.take();
  const buffer = new SharedArrayBuffer(1 << 20);
  const bytes = Buffer.from(buffer);
  randomBody(bytes.length).copy(bytes);
  await worker.attach(buffer, 'sha512');
  await Promise.all([worker.update(1000, 5000), worker.update(0, 1000), worker.update(500_000, 1)]);
  const expected = createHash('sha512').update(bytes.subarray(1000, 6000)).update(bytes.subarray(0, 1000)).update(bytes.subarray(500_000, 500_001)).digest('hex');
  assert.equal(await worker.digest(), expected);
  assert.equal(await worker.digest(), createHash('sha512').digest('hex'));
  await pool.give(worker);
  await pool.close();
  assert.ok(worker.broken, 'closing the pool ends its spare');
});

test('a worker given back is reused, and a spare left idle is ended', async () => {
  const pool = new HashWorkerPool(50);
  const first = pool.take();
  await pool.give(first);
  const again = pool.take();
  assert.equal(again, first);
  await pool.give(again);
  await delay(150);
  assert.ok(first.broken, 'the idle spare was ended');
  const fresh = pool.take();
  assert.notEqual(fresh, first);
  await pool.give(fresh);
  await pool.close();
});
