// A hand edit of lima.yaml (issue 13): how long from an editor's save to what front ends hear.
// A good save: to the change event; a save that does not load: to the Broken status, which waits
// for lima.yaml to stay quiet (instances/config-quiet.ts) so a save in place caught half done
// does not flash Broken. The baseline in the same run is a plain fs.watch of the same folder
// seeing the same save: what any watcher pays before the engine reads anything.
import fs from 'node:fs';
import path from 'node:path';
import { fixtureDriver, tempDir, writeTemplate } from '../e2e/support/temp.ts';
import { Engine } from '../src-main/core/engine.ts';
import { median, report } from './stats.ts';

const rounds = 15;

export async function run(): Promise<void> {
  const root = await tempDir('corral-bench-config-');
  const engine = new Engine({ home: path.join(root, 'home'), extraDrivers: [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }], health: { intervalMs: 0, timeoutMs: 500 } });
  try {
    const template = await writeTemplate(root, { vmType: 'scripted', cpus: 2, memory: '256MiB', disk: '1GiB' });
    await engine.create('bench', { template });
    const dir = (await engine.inspect('bench')).dir;
    const file = path.join(dir, 'lima.yaml');
    const good = fs.readFileSync(file, 'utf8');
    engine.watch();
    await engine.list();
    const raw: number[] = [];
    const toChange: number[] = [];
    const toBroken: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const text = good.replace(/^cpus: .*$/m, `cpus: ${round % 2 === 0 ? 3 : 4}`);
      const [rawMs, changeMs] = await timedSave(engine, dir, () => fs.writeFileSync(file, text), (event) => event.type === 'instances-changed');
      raw.push(rawMs);
      toChange.push(changeMs);
      const [, brokenMs] = await timedSave(engine, dir, () => fs.writeFileSync(file, 'cpus: [2\n'), (event) => event.type === 'instance-status' && event.state === 'Broken');
      toBroken.push(brokenMs);
      await timedSave(engine, dir, () => fs.writeFileSync(file, good), (event) => event.type === 'instance-status' && event.state === 'Stopped');
    }
    const [rawMedian, changeMedian, brokenMedian] = [median(raw), median(toChange), median(toBroken)];
    report('config-save good', changeMedian / rawMedian, 'none, a figure', `save to change ${changeMedian.toFixed(1)} ms, plain fs.watch ${rawMedian.toFixed(1)} ms (median of ${rounds})`);
    report('config-save bad', brokenMedian / changeMedian, 'none, a figure', `save to Broken ${brokenMedian.toFixed(1)} ms vs save to change ${changeMedian.toFixed(1)} ms (median of ${rounds})`);
  } finally {
    await engine.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

type EngineEventOf = Parameters<Parameters<Engine['events']['on']>[0]>[0];

/** Milliseconds from `save` to a plain watch's event and to the engine's first event that `heard` accepts. */
async function timedSave(engine: Engine, dir: string, save: () => void, heard: (event: EngineEventOf) => boolean): Promise<[number, number]> {
  let started = 0;
  const plain = new Promise<number>((resolve) => {
    const watcher = fs.watch(dir, (_event, name) => { if (name === 'lima.yaml') { watcher.close(); resolve(performance.now() - started); } });
  });
  const announced = new Promise<number>((resolve) => {
    const off = engine.events.on((event) => { if (heard(event)) { off(); resolve(performance.now() - started); } });
  });
  started = performance.now();
  save();
  return [await plain, await announced];
}

if (import.meta.main) await run();
