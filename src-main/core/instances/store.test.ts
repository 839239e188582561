// The store's config reads: lima.yaml is parsed once per text, its config kept beside it
// (config-facts.json), and the YAML stays the authority over that record.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { corralPaths } from '../paths.ts';
import { parseLimaConfig } from './config.ts';
import type { LimaConfig } from './config.ts';
import { configFactsFileName, readConfigFacts } from './config-facts.ts';
import { InstanceStore } from './store.ts';

const template: LimaConfig = {
  vmType: 'qemu', cpus: 2, memory: '1GiB', disk: '2GiB',
  images: [{ location: '/images/disk.img', arch: 'x86_64', kernel: { location: '/images/vmlinuz', cmdline: 'console=ttyS0' } }],
  mounts: [], provision: [{ mode: 'system', script: '#!/bin/sh\necho hi\n' }], param: { GREETING: 'hello' },
};

describe('instance store: config reads', () => {
  let root: string;
  let store: InstanceStore;
  const dir = () => store.dir('vm');
  const yaml = () => path.join(dir(), 'lima.yaml');
  const record = async (): Promise<{ configSha256: string; configText?: string; config?: LimaConfig }> =>
    JSON.parse(await fs.readFile(path.join(dir(), configFactsFileName), 'utf8')) as { configSha256: string; configText?: string; config?: LimaConfig };
  const parsedYaml = async () => parseLimaConfig(await fs.readFile(yaml(), 'utf8'), yaml()).config;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-store-'));
    store = new InstanceStore(corralPaths({ home: path.join(root, 'home'), cache: path.join(root, 'cache') }));
    await fs.mkdir(path.join(root, 'home', 'instances'), { recursive: true });
    await store.create('vm', template, async () => undefined);
  });
  after(async () => fs.rm(root, { recursive: true, force: true }));

  it('keeps the config as the YAML reads, and serves reads from it while lima.yaml is unchanged', async () => {
    assert.deepEqual((await record()).config, await parsedYaml());
    assert.deepEqual(await store.readConfig('vm'), await parsedYaml());
    // The record is what a read returns (the YAML is not parsed again): a change to it shows.
    const kept = await record();
    await fs.writeFile(path.join(dir(), configFactsFileName), JSON.stringify({ ...kept, config: { ...kept.config, cpus: 7 } }));
    assert.equal((await store.readConfig('vm')).cpus, 7);
  });

  it('reads a hand-edited lima.yaml, and keeps its config for the next read', async () => {
    const text = await fs.readFile(yaml(), 'utf8');
    await fs.writeFile(yaml(), text.replace(/^cpus: 2$/m, 'cpus: 3'));
    assert.equal((await store.readConfig('vm')).cpus, 3);
    assert.deepEqual((await record()).config, await parsedYaml());
    assert.equal((await record()).config?.cpus, 3);
  });

  it('reads lima.yaml past a damaged record, or one without the config, and mends it', async () => {
    await fs.writeFile(path.join(dir(), configFactsFileName), '{"configSha256": "not a dig');
    assert.deepEqual(await store.readConfig('vm'), await parsedYaml());
    const { config: _config, ...older } = await record();
    await fs.writeFile(path.join(dir(), configFactsFileName), JSON.stringify(older));
    assert.deepEqual(await store.readConfig('vm'), await parsedYaml());
    assert.deepEqual((await record()).config, await parsedYaml());
  });

  it('trusts the facts record by the text of lima.yaml it keeps, or an older record by its digest', async () => {
    const text = await fs.readFile(yaml(), 'utf8');
    const kept = await record();
    assert.equal(kept.configText, text);
    assert.ok(await readConfigFacts(dir()), 'the record taken from this text');
    const { configText: _text, ...older } = kept;
    await fs.writeFile(path.join(dir(), configFactsFileName), JSON.stringify(older));
    assert.ok(await readConfigFacts(dir()), 'a record without the text, trusted by its digest');
    await fs.writeFile(path.join(dir(), configFactsFileName), JSON.stringify({ ...kept, configText: `${text}# edited\n` }));
    assert.equal(await readConfigFacts(dir()), undefined, 'the text decides, whatever the digest says');
    await fs.writeFile(path.join(dir(), configFactsFileName), JSON.stringify(kept));
  });

  it('parses lima.yaml again when its config was recorded by another schema version', async () => {
    const kept = await record();
    await fs.writeFile(path.join(dir(), configFactsFileName), JSON.stringify({ ...kept, config: { ...kept.config, cpus: 9 }, configSchema: -1 }));
    assert.deepEqual(await store.readConfig('vm'), await parsedYaml());
    assert.deepEqual((await record()).config, await parsedYaml());
  });

  it('records an edit written through the store', async () => {
    await store.writeConfig('vm', { ...(await store.readConfig('vm')), cpus: 4, memory: '2GiB' });
    assert.deepEqual((await record()).config, await parsedYaml());
    assert.equal((await store.readConfig('vm')).cpus, 4);
  });
});
