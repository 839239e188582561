// The fork back end's link, with a real child process: frames arrive in order, and a frame of
// unknown shape is noted in the driver's log and dropped, not delivered.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { Frame } from '../../../src-drivers/sdk/link.ts';
import { tempDir } from '../../../e2e/support/temp.ts';
import { forkDriverProcess } from './process.ts';

let dir: string;

before(async () => {
  dir = await tempDir('corral-fork-link-');
});

after(() => fs.rm(dir, { recursive: true, force: true }));

it('delivers valid frames and logs the ones it drops', async () => {
  // A stand-in driver: answers the first frame with a bogus one, then echoes the event back.
  const entry = path.join(dir, 'echo.mjs');
  await fs.writeFile(entry, `process.once('message', (frame) => {
    process.send({ ch: 'nonsense' });
    process.send(frame, () => process.disconnect());
  });\n`);
  const logFile = path.join(dir, 'logs', 'echo.log');
  const driver = forkDriverProcess({ entry, logFile });
  const received: Frame[] = [];
  const echoed = new Promise<void>((resolve) => {
    driver.link.onFrame((frame) => {
      received.push(frame);
      resolve();
    });
  });
  driver.link.post({ ch: 'event', event: { hello: 'driver' } });
  await echoed;
  const exit = await driver.exited;
  assert.equal(exit.code, 0);
  assert.deepEqual(received, [{ ch: 'event', event: { hello: 'driver' } }]);
  assert.match(await fs.readFile(logFile, 'utf8'), /engine: dropped a frame from the driver: invalid frame: unknown channel "nonsense"/);
});
