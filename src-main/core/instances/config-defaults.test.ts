import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import os from 'node:os';
import { configDefaults, configDefaultsFor } from './config-defaults.ts';

const gib = 1024 ** 3;

describe('Lima\'s defaults on a given host', () => {
  it('gives at most 4 CPUs and never more than the host has', () => {
    assert.equal(configDefaultsFor({ cpus: 2, memoryBytes: 16 * gib }).cpus, 2);
    assert.equal(configDefaultsFor({ cpus: 1, memoryBytes: 16 * gib }).cpus, 1);
    assert.equal(configDefaultsFor({ cpus: 32, memoryBytes: 16 * gib }).cpus, 4);
  });
  it('gives at most 4 GiB of memory and never more than half the host\'s', () => {
    assert.equal(configDefaultsFor({ cpus: 2, memoryBytes: 32 * gib }).memory, '4GiB');
    assert.equal(configDefaultsFor({ cpus: 2, memoryBytes: 4 * gib }).memory, '2GiB');
    // Half of an odd amount is rounded down to a whole MiB, a size Lima's notation writes plainly.
    assert.equal(configDefaultsFor({ cpus: 2, memoryBytes: 3 * gib + 5 }).memory, '1536MiB');
  });
});

describe('Lima\'s defaults on this host', () => {
  it('are this host\'s, asked of the OS once per process and not to be changed', () => {
    const first = configDefaults();
    assert.deepEqual(first, configDefaultsFor({ cpus: os.availableParallelism(), memoryBytes: os.totalmem() }));
    assert.equal(configDefaults(), first, 'the same answer, not asked again');
    assert.throws(() => Object.assign(first, { cpus: 64 }), TypeError);
  });
});
