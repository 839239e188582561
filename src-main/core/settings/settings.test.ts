import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engineSettings } from './settings.ts';

describe('where Settings says each folder comes from', () => {
  let home: string;
  before(async () => { home = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-settings-')); });
  after(async () => { await fs.rm(home, { recursive: true, force: true }); });
  const paths = (cache: string) => ({ home, cache, instances: path.join(home, 'instances') });

  it('names the option that fixed the cache, not the environment or --home', async () => {
    const cache = path.join(home, 'given-cache');
    const settings = await engineSettings(paths(cache), {}, 'the cache option given at start');
    assert.equal(settings.cache.source, 'Set by the cache option given at start.');
    assert.equal(settings.cache.fixedBy, 'the cache option given at start');
  });

  it('names CORRAL_CACHE when the environment fixed the cache', async () => {
    const cache = path.join(home, 'env-cache');
    const settings = await engineSettings(paths(cache), { CORRAL_CACHE: cache }, 'the CORRAL_CACHE environment variable');
    assert.equal(settings.cache.source, 'Set by the CORRAL_CACHE environment variable.');
  });

  it('gives the usual origin of a cache nothing fixed', async () => {
    const settings = await engineSettings(paths(path.join(home, 'cache')), {});
    assert.equal(settings.cache.fixedBy, undefined);
    assert.match(settings.cache.source, /--home option/);
  });
});
