// A lima.yaml edited by hand while a front end watches: an editor's save, in place (even read half done) or a temp
// file renamed over it, reaches front ends as one change with the file's figures; a file that
// does not load shows the instance Broken until it is fixed; a running VM's figures stay apart
// from the edited file's until its next start; the engine's own edit is not
// inspected again by its watch. Real engine, real driver process, real files.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixtureDriver, tempDir, writeTemplate } from '../../e2e/support/temp.ts';
import type { DriverHost } from './drivers/host.ts';
import type { InstanceStore } from './instances/store.ts';
import { Engine } from './engine.ts';
import { countCalls, nextStatus, watchBarrier } from './test-support/engine-watch.ts';

const drivers = [{ name: 'scripted', entry: fixtureDriver('scripted-driver.ts') }];
const options = { extraDrivers: drivers, health: { intervalMs: 0, timeoutMs: 500 } };
const timeout = 30_000; // a watch that misses the save would otherwise wait for ever

describe('engine watching lima.yaml', () => {
  let root: string;
  let engine: Engine;
  let other: Engine;
  let template: string;

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), ...options });
    other = new Engine({ home: engine.paths.home, ...options });
    template = await writeTemplate(root, { vmType: 'scripted', cpus: 2, memory: '256MiB', disk: '1GiB' });
    engine.watch();
  });
  after(async () => {
    await other.close();
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const configOf = async (name: string) => path.join((await engine.inspect(name)).dir, 'lima.yaml');
  const withCpus = async (file: string, cpus: number | string) => (await fs.readFile(file, 'utf8')).replace(/^cpus: .*$/m, `cpus: ${cpus}`);
  const nextChange = () => new Promise<void>((resolve) => {
    const off = engine.events.on((event) => { if (event.type === 'instances-changed') { off(); resolve(); } });
  });
  const cpusListed = async (name: string) => (await engine.list()).find((i) => i.name === name)?.cpus;
  const endSpy = () => { delete (engine.drivers.host('scripted') as Partial<Pick<DriverHost, 'call'>>).call; };

  it('follows a save in place and a temp file renamed over it, each once, with the new CPUs', { timeout }, async () => {
    await engine.create('hand-1', { template });
    const file = await configOf('hand-1');
    const calls = countCalls(engine.drivers.host('scripted'), 'hand-1');
    try {
      const inPlace = nextChange();
      await fs.writeFile(file, await withCpus(file, 3));
      await inPlace;
      assert.equal(await cpusListed('hand-1'), 3);
      calls.length = 0; // the list's own inspect
      const renamed = nextChange();
      const temp = path.join(path.dirname(file), '.lima.yaml.swp'); // as vim and VS Code save
      await fs.writeFile(temp, await withCpus(file, 4));
      await fs.rename(temp, file);
      await renamed;
      await watchBarrier(engine, other, 'probe-1', template);
      assert.deepEqual(calls, ['inspect'], 'one inspection for one save');
    } finally {
      endSpy();
    }
    assert.equal(await cpusListed('hand-1'), 4);
  });

  it('shows an instance Broken while its lima.yaml does not load, and back once fixed, leaving the file as written', { timeout }, async () => {
    await engine.create('hand-2', { template });
    const file = await configOf('hand-2');
    const good = await fs.readFile(file, 'utf8');
    const broken = nextStatus(engine, 'hand-2', 'Broken');
    const halfTyped = await withCpus(file, '[2');
    await fs.writeFile(file, halfTyped);
    assert.match((await broken).configProblem ?? '', /lima\.yaml/);
    assert.equal((await engine.list()).find((i) => i.name === 'hand-2')?.state, 'Broken');
    assert.equal(await fs.readFile(file, 'utf8'), halfTyped, 'the engine rewrites nothing');
    const fixed = nextStatus(engine, 'hand-2', 'Stopped');
    await fs.writeFile(file, good.replace(/^cpus: .*$/m, 'cpus: 1'));
    await fixed;
    assert.equal(await cpusListed('hand-2'), 1);
  });

  it('shows no Broken for a save in place caught half done (emptied, then written), and one change with the new CPUs', { timeout }, async () => {
    await engine.create('hand-5', { template });
    const file = await configOf('hand-5');
    const full = await withCpus(file, 3);
    const heard: string[] = []; // what front ends hear of, in order: 'change', or hand-5's states
    const off = engine.events.on((event) => {
      if (event.type === 'instances-changed') heard.push('change');
      if (event.type === 'instance-status' && event.name === 'hand-5') heard.push(event.state);
    });
    const reads = configReads('hand-5');
    try {
      // An editor's save in place, caught between its two steps every time: the text is
      // written as soon as the engine has read the emptied file, before it can announce.
      await fs.writeFile(file, '');
      await reads.bad;
      await fs.writeFile(file, full);
      await reads.goodAfterBad;
      await nextChange(); // what the engine says of the text it has just read
    } finally {
      off();
      delete (engine.store as Partial<Pick<InstanceStore, 'readConfigOrSalvage'>>).readConfigOrSalvage;
    }
    assert.deepEqual(heard, ['change'], 'one change for one save, and no status: never Broken');
    assert.equal(await cpusListed('hand-5'), 3, 'the change lists the new CPUs');
  });

  /** When the engine has read `name`'s lima.yaml and found it does not load, and then one that does (a spy on the real store; delete it to end). */
  const configReads = (name: string) => {
    const read = engine.store.readConfigOrSalvage.bind(engine.store);
    let bad = () => {};
    let good = () => {};
    let badSeen = false;
    const reads = { bad: new Promise<void>((resolve) => { bad = resolve; }), goodAfterBad: new Promise<void>((resolve) => { good = resolve; }) };
    engine.store.readConfigOrSalvage = async (instance) => {
      const result = await read(instance);
      if (instance === name && result.problem) { badSeen = true; bad(); }
      if (instance === name && !result.problem && badSeen) good();
      return result;
    };
    return reads;
  };

  it('keeps a running VM\'s CPUs, memory and disk apart from the edited file\'s, which apply at the next start', { timeout }, async () => {
    await engine.create('hand-3', { template });
    await engine.start('hand-3');
    const file = await configOf('hand-3');
    const changed = nextChange();
    await fs.writeFile(file, await withCpus(file, 3));
    await changed;
    const running = await engine.inspect('hand-3');
    assert.deepEqual([running.cpus, running.startedWith], [3, { cpus: 2, memoryBytes: 256 * 1024 ** 2, diskBytes: 1024 ** 3 }]);
    await engine.stop('hand-3');
    await engine.start('hand-3');
    assert.equal((await engine.inspect('hand-3')).startedWith, undefined, 'a new start has what the file says');
    // A larger disk applies at the next start too; the scripted driver cannot resize disks, so that start says so and keeps the size.
    const resized = nextChange();
    await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace(/^disk: .*$/m, 'disk: 2GiB'));
    await resized;
    assert.deepEqual((await engine.inspect('hand-3')).startedWith, { cpus: 3, memoryBytes: 256 * 1024 ** 2, diskBytes: 1024 ** 3 });
    await engine.stop('hand-3');
    const { warnings } = await engine.start('hand-3');
    assert.deepEqual(warnings, ['driver scripted cannot resize disks: lima.yaml\'s disk of 2GiB is not applied, it stays 1GiB']);
    assert.deepEqual((await engine.inspect('hand-3')).startedWith?.diskBytes, 1024 ** 3, 'the VM started with the disk it has');
    await engine.delete('hand-3', { force: true });
  });

  it('follows saves in the instances folder\'s new place once it has moved', { timeout }, async () => {
    await engine.moveInstances(path.join(root, 'moved'));
    const file = await configOf('hand-1');
    assert.ok(file.startsWith(path.join(root, 'moved')), file);
    const changed = nextChange();
    await fs.writeFile(file, await withCpus(file, 5));
    await changed;
    assert.equal(await cpusListed('hand-1'), 5);
  });

  it('does not inspect its own edit again when the watch sees it', { timeout }, async () => {
    await engine.create('own-1', { template });
    const calls = countCalls(engine.drivers.host('scripted'), 'own-1');
    try {
      await engine.edit('own-1', { cpus: 3 });
      const edited = [...calls];
      await watchBarrier(engine, other, 'probe-2', template);
      assert.deepEqual(calls, edited, 'the watch asked the driver nothing more');
    } finally {
      endSpy();
    }
    assert.equal(await cpusListed('own-1'), 3);
  });
});
