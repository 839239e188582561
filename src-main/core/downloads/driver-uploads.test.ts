// A driver's own upload (progress events on the driver protocol) as the engine's subscribers
// see it: the download-progress events of the instance's file, phase 'upload', from a real
// driver process (e2e/fixtures/drivers/uploading-driver.ts), ending done, failed with the
// driver's reason, or failed when the driver process is killed mid-way.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureDriver, tempDir, writeTemplate } from '../../../e2e/support/temp.ts';
import { Engine } from '../engine.ts';
import type { EngineEvent } from '../events.ts';

type Progress = Extract<EngineEvent, { type: 'download-progress' }>;

const imageBytes = 1024 * 1024;

describe('a driver\'s upload progress', () => {
  let root: string;
  let engine: Engine;
  let template: string;
  let image: string;
  const seen: Progress[] = [];
  const of = (instance: string) => seen.filter((e) => e.instance === instance);

  /** Resolves with the first event (already seen or to come) that matches. */
  function next<E extends EngineEvent>(match: (event: EngineEvent) => event is E): Promise<E> {
    return new Promise((resolve) => {
      const off = engine.events.on((event) => {
        if (!match(event)) return;
        off();
        resolve(event);
      });
    });
  }

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), extraDrivers: [{ name: 'uploader', entry: fixtureDriver('uploading-driver.ts') }], health: { intervalMs: 0, timeoutMs: 10_000 } });
    engine.events.on((event) => { if (event.type === 'download-progress') seen.push(event); });
    template = await writeTemplate(root, { vmType: 'uploader' });
    image = path.join(root, 'image.raw');
    await fs.writeFile(image, Buffer.alloc(imageBytes, 7));
  });

  after(async () => {
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('reaches a subscriber as the image\'s line: uploading to the host, then done with every byte', async () => {
    await engine.create('vm1', { template });
    const events = of('vm1');
    assert.ok(events.length >= 2, JSON.stringify(events));
    for (const event of events) {
      assert.equal(event.artifact, 'image');
      assert.equal(event.id, 'vm1/image');
      assert.equal(event.uploadTo, 'storage.example.test');
      assert.equal(event.local, false, 'a download line the downloads view lists');
      assert.equal(path.basename(new URL(event.url).pathname), 'image.raw');
    }
    assert.deepEqual([...new Set(events.map((e) => e.phase))], ['upload', 'done']);
    const last = events.at(-1);
    assert.equal(last?.bytes, imageBytes);
    assert.equal(last?.total, imageBytes);
    const bytes = events.map((e) => e.bytes);
    assert.deepEqual(bytes, [...bytes].sort((a, b) => a - b), 'bytes only grow');
  });

  it('ends failed, with the driver\'s reason, when the driver gives up', async () => {
    await assert.rejects(engine.create('refuse-1', { template }), /the remote pool is full/);
    const last = of('refuse-1').at(-1);
    assert.equal(last?.phase, 'failed');
    assert.match(last?.failure?.text ?? '', /^Could not upload it to storage\.example\.test: the remote pool is full$/);
  });

  it('ends failed when the driver process dies mid-upload, so no line waits forever', async () => {
    const pid = next((e): e is Extract<EngineEvent, { type: 'driver-log' }> => e.type === 'driver-log' && /^pid \d+$/.test(e.message));
    const uploading = next((e): e is Progress => e.type === 'download-progress' && e.instance === 'stall-1' && e.phase === 'upload');
    const creating = engine.create('stall-1', { template });
    const failed = next((e): e is Progress => e.type === 'download-progress' && e.instance === 'stall-1' && e.phase === 'failed');
    await uploading;
    process.kill(Number((await pid).message.slice(4)), 'SIGKILL');
    await assert.rejects(creating, /exited/);
    assert.match((await failed).failure?.text ?? '', /driver uploader exited before it finished/);
    assert.deepEqual(await fs.readdir(engine.paths.instances).then((names) => names.filter((n) => n === 'stall-1')), [], 'no half-made instance');
  });
});
