// Lima's own templates (../shared/lima-templates, beside the repository) must all load, or be
// refused with a message naming the feature Corral does not support.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { loadTemplate } from './load.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = path.resolve(repoRoot, '../shared/lima-templates');

// Fragments that are not templates on their own: a mounts-only base, and Lima's containerd
// defaults file (its `archives:` is not a lima.yaml field). Both are still read as bases.
const fragments = new Set(['_default/mounts.yaml', '_containerd-archives.yaml']);

async function templateFiles(): Promise<string[]> {
  const stat = await fs.stat(corpus).catch(() => undefined);
  assert.ok(stat?.isDirectory(), `Lima template corpus missing: expected ${corpus} (the shared/ folder beside the repository)`);
  const files = await fs.readdir(corpus, { recursive: true });
  return files.filter((f) => f.endsWith('.yaml') && !fragments.has(f.split(path.sep).join('/'))).sort();
}

describe('Lima template corpus', () => {
  it('loads every template, or refuses it naming the unsupported feature', async () => {
    const files = await templateFiles();
    assert.ok(files.length > 50, `expected Lima's ~100 templates in ${corpus}, found ${files.length}`);
    const loaded: string[] = [];
    const refused: { file: string; feature: string; message: string }[] = [];
    for (const file of files) {
      try {
        const template = await loadTemplate(path.join(corpus, file), { catalogDirs: [corpus] });
        assert.ok(template.config.images.length > 0, `${file}: no images after merging`);
        loaded.push(file);
      } catch (error) {
        const feature = error instanceof DriverError ? error.details.feature : undefined;
        if (typeof feature !== 'string') throw new Error(`${file} failed without naming an unsupported feature: ${(error as Error).message}`, { cause: error });
        assert.ok((error as Error).message.includes(feature), `${file}: the message should name ${feature}`);
        refused.push({ file, feature, message: (error as Error).message });
      }
    }
    console.log(`Lima corpus: ${loaded.length} loaded, ${refused.length} refused`);
    for (const r of refused) console.log(`  refused ${r.file}: ${r.feature}`);
    assert.ok(loaded.length > refused.length, 'most of Lima\'s templates should load');
  });

  it('follows text-stored links such as _images/fedora.yaml', async () => {
    const template = await loadTemplate(path.join(corpus, 'fedora.yaml'), { catalogDirs: [corpus] });
    assert.match(template.source, /fedora-\d+\.yaml$/);
    assert.ok(template.config.images.some((i) => i.location.includes('Fedora-Cloud-Base')));
  });

  it('resolves template:NAME bases inside the corpus, with Lima\'s order of images', async () => {
    const { document, config } = await loadTemplate('template:ubuntu-24.04', { catalogDirs: [corpus] });
    assert.match(config.images[0]?.location ?? '', /noble\/release-\d+\/ubuntu-24\.04-server-cloudimg-amd64\.img$/);
    assert.deepEqual(document.mounts, [{ location: '~' }]);
    assert.equal('base' in document, false);
  });
});
