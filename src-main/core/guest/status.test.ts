// The guest's progress lines folded into a status, the labels users see, and which status counts.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { applyStatusLine, describeStep, guestLabel, initialProgress, readGuestStatus, writeBootId, writeGuestStatus } from './status.ts';
import type { GuestProgress } from './status.ts';

const fold = (lines: string[]): GuestProgress => lines.reduce(applyStatusLine, initialProgress);

describe('guest status lines', () => {
  it('follows a boot from begin through steps and probes to done', () => {
    assert.deepEqual(fold(['begin iid-1 3']), { bootId: 'iid-1', phase: 'booting' });
    assert.deepEqual(fold(['begin iid-1 3', 'step 1 3 provision-02-boot', 'step 2 3 provision-00-system']), {
      bootId: 'iid-1', phase: 'provisioning', step: { index: 2, total: 3, name: 'provision-00-system' },
    });
    assert.equal(fold(['begin iid-1 0', 'probe 1 2 probe-00']).phase, 'probing');
    assert.equal(fold(['begin iid-1 0', 'probe 1 1 probe-00', 'done 0']).phase, 'done');
  });

  it('keeps the first failure, with the script and its exit status', () => {
    const progress = fold(['begin iid-1 3', 'step 1 3 provision-01-system', 'failed provision-01-system 7', 'step 2 3 provision-02-user', 'failed provision-02-user 1', 'done 1']);
    assert.equal(progress.phase, 'failed');
    assert.deepEqual(progress.failure, { script: 'provision-01-system', exitStatus: 7 });
  });

  it('reports a non-zero done without a failed line as the boot script failing', () => {
    assert.deepEqual(fold(['begin i 0', 'done 2']).failure, { script: 'corral-boot.sh', exitStatus: 2 });
  });

  it('ignores lines it does not know, and a new begin starts over', () => {
    const before = fold(['begin i 1', 'step 1 1 provision-00-system']);
    assert.equal(applyStatusLine(before, 'garbage here'), before);
    assert.equal(applyStatusLine(before, 'step x 1 y'), before);
    assert.equal(applyStatusLine(before, 'step 3 2 too-far'), before);
    assert.deepEqual(applyStatusLine(fold(['begin i 1', 'failed a 1']), 'begin j 1'), { bootId: 'j', phase: 'booting' });
  });
});

describe('guest status words', () => {
  it('names steps by their template entry', () => {
    assert.equal(describeStep('provision-02-system'), 'provision[2] (mode system)');
    assert.equal(describeStep('probe-01'), 'probes[1]');
    assert.equal(describeStep('corral-boot.sh'), 'corral-boot.sh');
  });
  it('labels a running VM by its guest', () => {
    assert.equal(guestLabel(undefined), 'Running');
    assert.equal(guestLabel({ phase: 'booting' }), 'Starting (booting)');
    assert.equal(guestLabel({ phase: 'provisioning', step: { index: 2, total: 3, name: 'x' } }), 'Starting (provisioning 2/3)');
    assert.equal(guestLabel({ phase: 'probing', step: { index: 1, total: 1, name: 'x' } }), 'Starting (probing 1/1)');
    assert.equal(guestLabel({ phase: 'ready' }), 'Running');
    assert.equal(guestLabel({ phase: 'failed' }), 'Running (provisioning failed)');
    assert.equal(guestLabel({ phase: 'timeout' }), 'Running (not ready: timed out)');
  });
});

describe('guest-status.json', () => {
  it('counts only for the boot this start wrote; damaged or stale ones are absent', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-guest-status-'));
    try {
      assert.equal(await readGuestStatus(dir), undefined);
      await writeBootId(dir, 'iid-2');
      await writeGuestStatus(dir, { bootId: 'iid-1', phase: 'ready', updatedAt: 'x' });
      assert.equal(await readGuestStatus(dir), undefined, 'a status from the boot before');
      await writeGuestStatus(dir, { bootId: 'iid-2', phase: 'provisioning', step: { index: 1, total: 2, name: 'provision-00-system' }, updatedAt: 'x' });
      assert.equal((await readGuestStatus(dir))?.phase, 'provisioning');
      await fs.writeFile(path.join(dir, 'guest-status.json'), '{"bootId": "iid-2", "phase": "nonsense"');
      assert.equal(await readGuestStatus(dir), undefined);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
