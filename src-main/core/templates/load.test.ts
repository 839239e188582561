// loadTemplate on small templates written to a temporary folder: base resolution, locators,
// loops, errors that name the file, line and field, refusals, warnings and defaults.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { loadTemplate } from './load.ts';
import { configDefaults } from '../instances/config-defaults.ts';
import type { TemplateOptions } from './load.ts';

let dir: string;
let options: TemplateOptions;

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
}

function errorWith(pattern: RegExp, details: Record<string, unknown> = {}) {
  return (error: Error & { code?: string; details?: Record<string, unknown> }): boolean => {
    assert.match(error.message, pattern);
    for (const [key, value] of Object.entries(details)) assert.equal(error.details?.[key], value, key);
    return true;
  };
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-templates-'));
  options = { catalogDirs: [path.join(dir, 'catalog')], defaultsFile: null };
  await write({
    'catalog/_images/distro.yaml': 'images:\n- location: distro.qcow2\n  arch: x86_64\nprovision:\n- script: base\n',
    'catalog/_default/mounts.yaml': 'mounts:\n- location: "~"\n',
    'catalog/distro.yaml': 'base:\n- template:_images/distro\n- template://_default/mounts\nprovision:\n- script: distro\n',
    'catalog/alias.yaml': 'distro.yaml\n',
  });
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe('base resolution', () => {
  it('resolves template: and template:// names in the catalog, bases before the template in provision', async () => {
    const { document, config } = await loadTemplate('distro', options);
    assert.deepEqual(document.provision, [{ script: 'base' }, { script: 'distro' }]);
    assert.deepEqual(document.mounts, [{ location: '~' }]);
    // The base's relative image is relative to the base's own folder, not the template's.
    assert.equal(config.images[0]?.location, path.join(dir, 'catalog/_images/distro.qcow2'));
  });
  it('accepts a single string base, relative paths, absolute paths and file:// URLs', async () => {
    await write({
      'local/own.img': '',
      'local/t1.yaml': 'base: ../catalog/distro.yaml\n',
      'local/t2.yaml': 'base: sub/b.yaml\ncpus: 1\n',
      'local/sub/b.yaml': `base:\n- ${path.join(dir, 'local/sub/c.yaml')}\n- ${pathToFileURL(path.join(dir, 'local/sub/d.yaml')).href}\nimages:\n- location: own.img\n`,
      'local/sub/c.yaml': 'cpus: 3\nmemory: 1GiB\n',
      'local/sub/d.yaml': 'memory: 2GiB\ndisk: 5GiB\nimages:\n- location: d.img\n',
    });
    await assert.rejects(loadTemplate(path.join(dir, 'local/t1.yaml'), options), errorWith(/relative locator "\.\.\/catalog\/distro\.yaml" must not contain "\.\."/, { field: 'base' }));
    const { config } = await loadTemplate(path.join(dir, 'local/t2.yaml'), options);
    assert.deepEqual([config.cpus, config.memory, config.disk], [1, '1GiB', '5GiB']);
    assert.deepEqual(config.images.map((i) => i.location), [path.join(dir, 'local/sub/own.img'), path.join(dir, 'local/sub/d.img')]);
  });
  it('reads a file holding only a sibling .yaml name as a link to it', async () => {
    const { source, document } = await loadTemplate('alias', options);
    assert.equal(source, path.join(dir, 'catalog/distro.yaml'));
    assert.deepEqual(document.mounts, [{ location: '~' }]);
  });
  it('detects loops and bases included twice', async () => {
    await write({
      'loop/a.yaml': 'base: b.yaml\n',
      'loop/b.yaml': 'base: a.yaml\nimages:\n- location: /x\n',
      'loop/twice.yaml': 'base: [x.yaml, y.yaml]\n',
      'loop/x.yaml': 'base: y.yaml\n',
      'loop/y.yaml': 'images:\n- location: /y\n',
    });
    await assert.rejects(loadTemplate(path.join(dir, 'loop/a.yaml'), options), errorWith(/base template loop: .*a\.yaml -> .*b\.yaml -> .*a\.yaml/));
    await assert.rejects(loadTemplate(path.join(dir, 'loop/twice.yaml'), options), errorWith(/y\.yaml is included twice/));
  });
  it('fetches http(s) bases with the given fetcher, and resolves their relative locators against the URL', async () => {
    await write({ 'web.yaml': 'base: https://example.test/t/remote.yaml\n' });
    const fetched: string[] = [];
    const fetchText = async (url: string): Promise<string> => {
      fetched.push(url);
      return url.endsWith('remote.yaml') ? 'base: inner.yaml\nimages:\n- location: disk.img\n' : 'cpus: 2\n';
    };
    const { config } = await loadTemplate(path.join(dir, 'web.yaml'), { ...options, fetchText });
    assert.deepEqual(fetched, ['https://example.test/t/remote.yaml', 'https://example.test/t/inner.yaml']);
    assert.equal(config.images[0]?.location, 'https://example.test/t/disk.img');
    assert.equal(config.cpus, 2);
  });
  it('reports a missing template or base as NOT_FOUND', async () => {
    await assert.rejects(loadTemplate('nonesuch', options), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /template:nonesuch/.test(e.message));
    await write({ 'missing-base.yaml': 'base: template:nope\n' });
    await assert.rejects(loadTemplate(path.join(dir, 'missing-base.yaml'), options), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
  });
});

describe('errors, refusals, warnings and defaults', () => {
  it('names the file, line and field of a wrong type in a base', async () => {
    await write({ 'bad/top.yaml': 'base: b.yaml\n', 'bad/b.yaml': 'images:\n- location: /a\n  arch: x86_64\n  digest: md5:1\n' });
    await assert.rejects(loadTemplate(path.join(dir, 'bad/top.yaml'), options), errorWith(/bad\/b\.yaml:4: field "images\[0\]\.digest"/, { field: 'images[0].digest' }));
    await write({ 'bad/yaml.yaml': 'base: b.yaml\nimages: [\n' });
    await assert.rejects(loadTemplate(path.join(dir, 'bad/yaml.yaml'), options), errorWith(/yaml\.yaml:\d+:\d+: malformed YAML/));
  });
  it('needs an image once everything is merged', async () => {
    await write({ 'noimage.yaml': 'cpus: 1\n' });
    await assert.rejects(loadTemplate(path.join(dir, 'noimage.yaml'), options), errorWith(/noimage\.yaml: field "images": at least one image is needed/, { field: 'images' }));
  });
  it('refuses vmTypes and guest OSes Corral cannot run, naming them', async () => {
    await write({
      'vz.yaml': 'vmType: vz\nimages:\n- location: /a\n',
      'win.yaml': 'os: Windows\nimages:\n- location: /a\n',
      'plugin.yaml': 'base: fedora-rawhide:_images/x\n',
    });
    await assert.rejects(loadTemplate(path.join(dir, 'vz.yaml'), options), errorWith(/vmType vz is not supported by Corral's drivers \(qemu\)/, { feature: 'vmType vz' }));
    await assert.rejects(loadTemplate(path.join(dir, 'win.yaml'), options), errorWith(/os Windows is not supported/, { feature: 'os Windows' }));
    await assert.rejects(loadTemplate(path.join(dir, 'plugin.yaml'), options), errorWith(/fedora-rawhide: locators are not supported/, { feature: 'fedora-rawhide: locators' }));
    const { config } = await loadTemplate(path.join(dir, 'vz.yaml'), { ...options, vmTypes: ['qemu', 'vz'] });
    assert.equal(config.vmType, 'vz');
    // Another vmType may be an installed driver bundle: refused only against the caller's list.
    await write({ 'bundle.yaml': 'vmType: libvirt\nimages:\n- location: /a\n' });
    assert.equal((await loadTemplate(path.join(dir, 'bundle.yaml'), options)).config.vmType, 'libvirt');
    await assert.rejects(loadTemplate(path.join(dir, 'bundle.yaml'), { ...options, vmTypes: ['qemu'] }), errorWith(/vmType libvirt is not supported by Corral's drivers \(qemu\)/));
  });
  it('warns about each field Corral will not act on, nested ones by path, metadata excepted', async () => {
    await write({ 'warn.yaml': 'images:\n- location: /a\n  variant: server\n  frob: 1\nvideo:\n  display: vnc\n  vnc:\n    display: "127.0.0.1:0"\nssh:\n  localPort: null\nplain: false\nos: FreeBSD\n' });
    const { warnings } = await loadTemplate(path.join(dir, 'warn.yaml'), options);
    assert.deepEqual(warnings.map((w) => w.replace(/^.*warn\.yaml: /, '')), [
      'unknown field "images[0].frob" is ignored',
      'field "video.vnc" is not supported by Corral yet and is ignored',
      'os FreeBSD is experimental: the image boots under QEMU, but Linux-only guest set-up does not apply',
    ]);
  });
  it('reads portForwards (udp ones too, without a warning), refusing a bad rule with the field named', async () => {
    const bad = {
      'port-big.yaml': ['- guestPort: 80\n  hostPort: 70000\n', /field "portForwards\[0\]\.hostPort": expected a port from 1 to 65535/],
      'port-ranges.yaml': ['- guestPort: 22000\n  ignore: true\n- guestPortRange: [4000, 4009]\n  hostPortRange: [5000, 5001]\n', /field "portForwards\[1\]\.hostPortRange": must hold as many ports as guestPortRange \(10\), not 2/],
      'port-socket.yaml': ['- guestSocket: /run/docker.sock\n', /field "portForwards\[0\]\.guestSocket": needs hostSocket/],
      'port-variable.yaml': ['- guestSocket: /run/user/{{.Uid}}/x.sock\n  hostSocket: x.sock\n', /field "portForwards\[0\]\.guestSocket": \{\{\.Uid\}\} is not one of Lima's variables/],
      'port-udp-socket.yaml': ['- guestSocket: /run/x.sock\n  hostSocket: x.sock\n  proto: udp\n', /field "portForwards\[0\]\.proto": udp forwards ports, not unix sockets/],
    } as const;
    for (const [file, [rules, message]] of Object.entries(bad)) {
      await write({ [file]: `images:\n- location: /a\nportForwards:\n${rules}` });
      await assert.rejects(loadTemplate(path.join(dir, file), options), errorWith(message));
    }
    await write({ 'ports.yaml': 'images:\n- location: /a\nportForwards:\n- guestPort: 53\n  hostPort: 5353\n  proto: udp\n- guestSocket: "/run/user/{{.UID}}/docker.sock"\n  hostSocket: "{{.Dir}}/sock/docker.sock"\n' });
    const { config, warnings } = await loadTemplate(path.join(dir, 'ports.yaml'), options);
    assert.equal(config.portForwards?.length, 2);
    assert.deepEqual(warnings, []);
  });
  it('fills Lima\'s defaults, the containerd archives from the defaults file, and image arch', async () => {
    const { config, document } = await loadTemplate(path.join(dir, 'warn.yaml'), { ...options, defaultsFile: undefined });
    assert.equal(config.vmType, 'qemu');
    assert.equal(config.memory, configDefaults().memory, 'this host\'s default (at most 4 GiB, at most half its memory)');
    assert.equal(document.os, 'FreeBSD');
    assert.ok(config.images[0]?.arch);
    assert.match(config.containerd?.archives?.[0]?.location ?? '', /nerdctl-full-.*-linux-amd64\.tar\.gz$/);
  });
});
