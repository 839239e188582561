// When SSH first let the host agent in (sshSince) travels from the agent's guest-status.json to
// the API's instance, where the Terminal tab reads it; a stale boot's status carries nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { instanceSchema } from '../api/schemas.ts';
import { readGuestStatus, writeBootId, writeGuestStatus } from '../core/guest/status.ts';
import { effectiveConfig } from '../core/instances/effective.ts';
import { salvageConfig } from '../core/instances/config.ts';
import { toApiInstance } from './engine-api.ts';

describe('guest status: SSH answered, file to API', () => {
  it('keeps sshSince from the file through the API schema, and only for this boot', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-guest-ssh-'));
    try {
      const sshSince = '2026-12-07T04:30:00.000Z';
      await writeBootId(dir, 'iid-2');
      await writeGuestStatus(dir, { bootId: 'iid-1', phase: 'booting', sshSince, updatedAt: 'x' });
      assert.equal(await readGuestStatus(dir), undefined, 'SSH answering an earlier boot says nothing of this one');
      await writeGuestStatus(dir, { bootId: 'iid-2', phase: 'booting', sshSince, updatedAt: 'x' });
      const guest = await readGuestStatus(dir);
      assert.equal(guest?.sshSince, sshSince);
      const summary = { name: 'g1', dir, ...effectiveConfig(salvageConfig({})), state: 'Running' as const, guest };
      // What a front end receives after the wire: the schema must not drop it.
      const sent = instanceSchema.parse(JSON.parse(JSON.stringify(toApiInstance(summary))));
      assert.deepEqual(sent.guest, { phase: 'booting', sshSince });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
