// Console history replay: the tail of serial.log, and live bytes de-duplicated against it.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { readHistory, withoutOverlap } from './history.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

it('reads the tail of serial.log, or nothing when there is none', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-history-'));
  const file = path.join(dir, 'serial.log');
  assert.equal((await readHistory(file)).length, 0);
  await fs.writeFile(file, 'boot...\nCORRAL-GUEST-READY\n');
  assert.equal(text(await readHistory(file, 19)), 'CORRAL-GUEST-READY\n');
  await fs.rm(dir, { recursive: true });
});

it('drops live bytes that the history already holds', () => {
  assert.equal(text(withoutOverlap(bytes('abc def'), bytes('def ghi'))), ' ghi');
  assert.equal(text(withoutOverlap(bytes('abc'), bytes('xyz'))), 'xyz');
  assert.equal(text(withoutOverlap(bytes(''), bytes('xyz'))), 'xyz');
  assert.equal(text(withoutOverlap(bytes('abc'), bytes('bc'))), '');
});
