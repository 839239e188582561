// The shipped catalog (assets/templates) and the `template show|list` command functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { listCatalog } from './catalog.ts';
import { templateCommand, templateList, templateShow } from './commands.ts';
import { catalogDir, loadTemplate } from './load.ts';

describe('the shipped catalog', () => {
  it('has debian, ubuntu-lts, alpine and fedora, each with a description', async () => {
    const entries = await listCatalog([catalogDir]);
    for (const name of ['alpine', 'debian', 'fedora', 'ubuntu-lts']) {
      const entry = entries.find((e) => e.name === name);
      assert.ok(entry, `catalog template ${name} missing`);
      assert.notEqual(entry.description, '(no description)', `${name} needs a "# description:" line`);
    }
    assert.ok(!entries.some((e) => e.name.startsWith('_')), 'files starting with _ are not templates');
  });
  it('loads every template with a digest-checked image for x86_64 and aarch64, and no warnings beyond known ones', async () => {
    for (const { name } of await listCatalog([catalogDir])) {
      const { config } = await loadTemplate(name);
      for (const arch of ['x86_64', 'aarch64'] as const) {
        const image = config.images.find((i) => i.arch === arch);
        assert.match(image?.location ?? '', /^https:\/\//, `${name}: ${arch} image`);
        assert.match(image?.digest ?? '', /^sha(256|512):/, `${name}: ${arch} digest`);
      }
      assert.equal(config.containerd?.archives?.length, 2, `${name}: default nerdctl-full archives`);
    }
  });
});

describe('template commands', () => {
  it('show prints the resolved template as YAML, warnings on stderr, exit 0', async () => {
    const result = await templateShow('debian');
    assert.equal(result.exitCode, 0);
    const shown = parse(result.stdout) as Record<string, unknown>;
    assert.equal(shown.vmType, 'qemu');
    assert.equal(Object.keys(shown)[0], 'vmType', 'fields in lima.yaml order');
    // Acted on now (shared folders): no "not supported" warning for it.
    assert.doesNotMatch(result.stderr, /mountTypesUnsupported/);
  });
  it('show exits non-zero with the error for a template that does not load', async () => {
    const result = await templateShow('no-such-template');
    assert.equal(result.exitCode, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^corral: template "template:no-such-template" not found/);
  });
  it('list prints a name and a description per line', async () => {
    const result = await templateList();
    assert.equal(result.exitCode, 0);
    assert.match(result.stdout, /^NAME\s+DESCRIPTION\n/);
    assert.match(result.stdout, /^ubuntu-lts\s+Ubuntu 24\.04 LTS/m);
  });
  it('dispatches corral template ARGS, with a usage error (exit 2) for anything else', async () => {
    assert.equal((await templateCommand(['list'])).exitCode, 0);
    assert.equal((await templateCommand(['show', 'alpine'])).exitCode, 0);
    for (const args of [[], ['show'], ['frob'], ['list', 'x']]) {
      const result = await templateCommand(args);
      assert.equal(result.exitCode, 2, args.join(' '));
      assert.match(result.stderr, /usage: corral template show/);
    }
  });
});
