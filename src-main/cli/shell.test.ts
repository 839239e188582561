// `corral shell` and `ssh-config` offer SSH only where the instance's driver declares the ssh
// capability: against a real driver process (the scripted test driver, which predates it).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import { fixtureDriver, tempDir, writeTemplate } from '../../e2e/support/temp.ts';
import { Engine } from '../core/engine.ts';
import { sshTarget } from './shell.ts';

describe('sshTarget', () => {
  let root: string;
  let engine: Engine;

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }], health: { intervalMs: 0, timeoutMs: 500 } });
  });
  after(async () => {
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses SSH on a driver without the ssh capability, naming the driver and the way in it has, running or not', async () => {
    await engine.create('serial-only', { template: await writeTemplate(root, { vmType: 'scripted' }) });
    const refusal = (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'UNSUPPORTED');
      assert.equal(error.message, 'driver scripted offers no SSH into its guests (capabilities.ssh is false); use the serial console: corral console serial-only');
      return true;
    };
    await assert.rejects(sshTarget(engine, 'serial-only'), refusal);
    await engine.start('serial-only');
    await assert.rejects(sshTarget(engine, 'serial-only'), refusal);
    await engine.delete('serial-only', { force: true });
  });
});
