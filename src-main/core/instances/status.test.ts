// The status owner on its own: what it announces, and which watched changes it takes for the
// engine's own writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineEvent } from '../events.ts';
import { InstanceStatus, operationState } from './status.ts';

const record = (op: string) => ({ op, pid: 1, since: new Date(0).toISOString() });

describe('instance status', () => {
  it('says Starting or Stopping for a start or stop holding the lock, and leaves every other state to the driver', () => {
    assert.equal(operationState(record('start')), 'Starting');
    assert.equal(operationState(record('stop')), 'Stopping');
    assert.equal(operationState(record('snapshot')), undefined);
    assert.equal(operationState(undefined), undefined);
  });

  it('announces a derived status only when it changed', () => {
    const events: EngineEvent[] = [];
    const status = new InstanceStatus((event) => events.push(event));
    status.remember('vm', 'Stopped');
    status.announceIfChanged('vm', { state: 'Stopped' });
    status.announceIfChanged('vm', { state: 'Broken', reason: 'gone' });
    status.announceIfChanged('vm', { state: 'Broken', reason: 'gone' });
    assert.deepEqual(events, [{ type: 'instance-status', name: 'vm', state: 'Broken', reason: 'gone' }]);
    assert.equal(status.forget('vm'), true);
    assert.equal(status.forget('vm'), false, 'a second removal is no news');
  });

  it('takes changes during and just after its own operation for its own, and the next one for another process\'s', async () => {
    const status = new InstanceStatus(() => undefined);
    assert.equal(status.mayBeOwn('vm'), false);
    await status.operating('vm', async () => {
      assert.equal(status.isOperating('vm'), true);
      assert.equal(status.mayBeOwn('vm'), true);
      assert.equal(status.mayBeOwn('vm'), true, 'still running: every change is its own');
    });
    assert.equal(status.isOperating('vm'), false);
    assert.equal(status.mayBeOwn('vm'), true, 'the record removed at its end is reported after it');
    assert.equal(status.mayBeOwn('vm'), false, 'after that, a change is another process\'s');
  });
});
