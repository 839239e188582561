// The driver-side dispatcher as a driver author meets it: every method of the wire table
// reaches the driver with its arguments read as the table says, and what the engine sends
// malformed is refused before the driver sees it. In-process, through driverRpc.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DriverError } from './errors.ts';
import { driverMethodNames } from './protocol.ts';
import type { Driver, DriverDefinition, InstanceSpec } from './protocol.ts';
import { driverRpc } from './serve.ts';
import { fakeEngine } from './test-support/fake-engine.ts';

const spec: InstanceSpec = {
  name: 'vm', dir: '/tmp/vm', runtimeDir: '/tmp/run',
  config: { vmType: 'rec', arch: 'x86_64', cpus: 1, memoryBytes: 1 << 28, diskBytes: 1 << 30, display: 'none' },
};

/** A driver that records each call (name and arguments) and answers with valid results. */
function recordingDefinition(calls: Array<[string, unknown[]]>): DriverDefinition {
  const answers: Partial<Record<keyof Driver, unknown>> = {
    start: { pid: 1, accelerator: 'tcg' }, inspect: { state: 'Stopped' }, display: null, listSnapshots: [],
  };
  const driver = Object.fromEntries(driverMethodNames.map((name) => [name, async (...args: unknown[]) => {
    calls.push([name, args]);
    return answers[name];
  }])) as unknown as Driver;
  return {
    describe: async () => ({
      name: 'rec', version: '1', description: '', platforms: ['linux'], available: { ok: true },
      capabilities: { pause: true, snapshots: true, display: [], console: [], imageFormats: [], accelerators: [] },
    }),
    configure: async () => driver,
  };
}

/** A call with arguments as loosely typed as anything crossing a process boundary. */
type LooseRpc = Record<string, (...args: unknown[]) => Promise<unknown>>;

describe('driverRpc (the wire table, driver side)', () => {
  it('serves every method of the table, with strings and stop options read as the table says', async () => {
    const calls: Array<[string, unknown[]]> = [];
    const rpc = driverRpc(recordingDefinition(calls), fakeEngine().context);
    await rpc.configure({ cacheDir: '/tmp/cache' });
    const loose = rpc as unknown as LooseRpc;
    const sent: Record<keyof Driver, unknown[]> = {
      validate: [spec], create: [spec], delete: [spec], clone: [spec, spec], resizeDisk: [spec],
      start: [spec], stop: [spec, { force: 'yes', timeoutMs: '5' }], pause: [spec], resume: [spec], inspect: [spec],
      openConsole: [spec, 7], closeConsole: [7], display: [spec], listSnapshots: [spec],
      createSnapshot: [spec, 'a'], applySnapshot: [spec, 'a'], deleteSnapshot: [spec, 'a'],
      openStats: [spec, 8], closeStats: [8],
    };
    for (const name of driverMethodNames) await loose[name]?.(...sent[name]);
    assert.deepEqual(calls.map(([name]) => name), driverMethodNames);
    const received = new Map(calls);
    assert.deepEqual(received.get('stop'), [spec, { force: false, timeoutMs: 5 }], 'force is true only when sent as true');
    assert.deepEqual(received.get('openConsole'), [spec, '7']);
    assert.deepEqual(received.get('closeConsole'), ['7']);
    assert.deepEqual(received.get('openStats'), [spec, '8']);
  });

  it('refuses a malformed instance spec with INVALID_CONFIG before the driver sees it', async () => {
    const calls: Array<[string, unknown[]]> = [];
    const rpc = driverRpc(recordingDefinition(calls), fakeEngine().context);
    await rpc.configure({ cacheDir: '/tmp/cache' });
    const loose = rpc as unknown as LooseRpc;
    await assert.rejects(async () => loose.start?.({ ...spec, dir: 'relative/dir' }), (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'INVALID_CONFIG');
      assert.match(error.message, /the engine sent a malformed instance spec/);
      return true;
    });
    assert.deepEqual(calls, []);
  });

  it('refuses a method before configure() with INVALID_STATE', async () => {
    const rpc = driverRpc(recordingDefinition([]), fakeEngine().context);
    await assert.rejects(rpc.inspect(spec), (error: unknown) => error instanceof DriverError && error.code === 'INVALID_STATE');
  });
});
