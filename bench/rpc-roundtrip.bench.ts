// Driver RPC round trip (engine -> driver process -> engine, through Comlink, frame
// validation and the driver host) against a bare child-process IPC echo, same run.
// Goal: at most 1.3x the raw round trip.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../src-main/core/engine.ts';
import { fixtureDriver, tempDir } from '../e2e/support/temp.ts';
import { median, report } from './stats.ts';

const rounds = 3000;
const here = path.dirname(fileURLToPath(import.meta.url));

async function rawRoundTrips(): Promise<number[]> {
  const child = fork(path.join(here, 'ipc-echo-child.ts'), [], { serialization: 'advanced' });
  const once = () => new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    child.send({ ch: 'rpc', msg: { id: 'x', type: 'APPLY', path: ['closeConsole'], argumentList: [{ type: 'RAW', value: 'stream' }] } });
  });
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await once();
    samples.push(performance.now() - t);
  }
  child.kill();
  return samples;
}

async function driverRoundTrips(): Promise<number[]> {
  const engine = new Engine({ home: await tempDir(), extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }] });
  const host = engine.drivers.host('scripted');
  await host.handshake();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await host.call('closeConsole', 'stream');
    samples.push(performance.now() - t);
  }
  await engine.close();
  return samples;
}

export async function run(): Promise<void> {
  // Alternate to spread machine noise over both sides; the first pair warms up.
  const raw: number[] = [];
  const ours: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    const r = await rawRoundTrips();
    const d = await driverRoundTrips();
    if (pass > 0) { raw.push(...r); ours.push(...d); }
  }
  const ratio = median(ours) / median(raw);
  report('driver RPC round trip vs raw IPC', ratio, '<= 1.3x', `median ${(median(ours) * 1000).toFixed(0)} µs vs ${(median(raw) * 1000).toFixed(0)} µs over ${ours.length} calls`);
}

if (import.meta.main) await run();
