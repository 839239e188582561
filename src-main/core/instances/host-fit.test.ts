// What a host can give, judged against a config: refused when never, warned when only in part.
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { checkHostFit, hostCapacity } from './host-fit.ts';

const gib = 1024 ** 3;
const host = { cores: 2, memoryBytes: 8 * gib, swapBytes: 2 * gib, availableBytes: 3 * gib };
const asked = { cpus: true, memory: true };

describe('host fit', () => {
  it('refuses memory beyond RAM and swap together, naming both and a size that would do', () => {
    assert.throws(() => checkHostFit({ cpus: 1, memoryBytes: 11 * gib }, host, asked), (error: unknown) => {
      assert.ok(error instanceof DriverError);
      assert.equal(error.code, 'INVALID_CONFIG');
      assert.equal(error.message, 'memory 11GiB is more than this host has (8.0 GiB of memory, 2.0 GiB of swap); ask for at most 10.0 GiB, e.g. --memory 4GiB');
      return true;
    });
  });

  it('warns about memory beyond what is free now, and CPUs beyond the cores, only when asked for, naming the field each is about', () => {
    assert.deepEqual(checkHostFit({ cpus: 4, memoryBytes: 6 * gib }, host, asked), [
      { field: 'memory', message: 'memory 6GiB is more than the 3.0 GiB this host has free now; the instance may be slow or fail to start' },
      { field: 'cpus', message: "4 CPUs is more than this host's 2 cores; the guest's CPUs will share them" },
    ]);
    assert.deepEqual(checkHostFit({ cpus: 4, memoryBytes: 6 * gib }, host, { cpus: false, memory: false }), [], "a template's own values are its author's choice");
    assert.deepEqual(checkHostFit({ cpus: 2, memoryBytes: 2 * gib }, host, asked), []);
  });

  it('reads this host: its cores and memory as the OS reports them', async () => {
    const here = await hostCapacity();
    assert.equal(here.cores, os.availableParallelism());
    assert.equal(here.memoryBytes, os.totalmem());
    assert.ok(here.availableBytes > 0 && here.availableBytes <= here.memoryBytes);
  });
});
