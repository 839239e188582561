// The SDK's transfer reporter: the first figure goes at once, a flood of figures is thinned to
// one per interval, and a transfer ends exactly once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transferProgress } from './progress.ts';
import type { DriverEvent } from './protocol.ts';

const subject = { instance: 'vm1', file: 'image', path: '/tmp/image.raw', to: 'host.example' } as const;

describe('transferProgress', () => {
  it('sends the first figure at once and thins a flood of them', () => {
    const sent: DriverEvent[] = [];
    const reporter = transferProgress((event) => sent.push(event), subject, 60_000);
    for (let bytes = 1; bytes <= 1000; bytes += 1) reporter.update(bytes, 1000);
    assert.deepEqual(sent, [{ type: 'progress', ...subject, phase: 'upload', bytes: 1, total: 1000 }]);
    reporter.done();
    assert.deepEqual(sent.at(-1), { type: 'progress', ...subject, phase: 'done', bytes: 1000, total: 1000 });
  });

  it('ends once: nothing after done(), and failed() carries its reason', () => {
    const sent: DriverEvent[] = [];
    const reporter = transferProgress((event) => sent.push(event), subject, 0);
    reporter.update(10, 100);
    reporter.failed('the remote pool is full');
    reporter.update(20, 100);
    reporter.done();
    reporter.failed('again');
    assert.deepEqual(sent.map((e) => (e.type === 'progress' ? [e.phase, e.bytes, e.reason] : [])), [['upload', 10, undefined], ['failed', 10, 'the remote pool is full']]);
  });
});
