// The web shell's kept token: made once, owner-only, the same on the next load, replaced only
// when asked; a damaged or world-readable file is refused with the way out, and left as it was.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServeRecord, rememberPort, serveRecordFile } from './serve-record.ts';

describe('serve record', () => {
  let home: string;
  before(async () => { home = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-serve-record-')); });
  after(async () => { await fs.rm(home, { recursive: true, force: true }); });

  it('keeps one token per home, 0600, and the last port', async () => {
    const first = await loadServeRecord(home);
    assert.equal((await fs.stat(serveRecordFile(home))).mode & 0o777, 0o600);
    assert.equal(first.port, 0);
    await rememberPort(home, first, 43210);
    const again = await loadServeRecord(home);
    assert.equal(again.token, first.token);
    assert.equal(again.port, 43210);
    assert.equal((await fs.stat(serveRecordFile(home))).mode & 0o777, 0o600);
  });

  it('rotates the token on request and keeps the port', async () => {
    const old = await loadServeRecord(home);
    const rotated = await loadServeRecord(home, { rotate: true });
    assert.notEqual(rotated.token, old.token);
    assert.equal(rotated.port, old.port);
    assert.equal((await loadServeRecord(home)).token, rotated.token);
  });

  it('refuses a file other users can read, naming --new-token, and leaves it alone', async () => {
    await fs.chmod(serveRecordFile(home), 0o644);
    const text = await fs.readFile(serveRecordFile(home), 'utf8');
    await assert.rejects(loadServeRecord(home), /other users can read it \(mode 0644\); run `corral serve --new-token`/);
    assert.equal(await fs.readFile(serveRecordFile(home), 'utf8'), text);
    const fresh = await loadServeRecord(home, { rotate: true });
    assert.equal((await fs.stat(serveRecordFile(home))).mode & 0o777, 0o600);
    assert.match(await fs.readFile(serveRecordFile(home), 'utf8'), new RegExp(fresh.token));
  });

  it('refuses a damaged file, naming --new-token', async () => {
    await fs.writeFile(serveRecordFile(home), '{"token": 1}', { mode: 0o600 });
    await assert.rejects(loadServeRecord(home), /serve\.json is damaged .*run `corral serve --new-token`/);
    assert.equal(await fs.readFile(serveRecordFile(home), 'utf8'), '{"token": 1}');
  });
});
