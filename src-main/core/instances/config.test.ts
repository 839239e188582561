import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLimaConfig } from './config.ts';
import { instanceNameProblem } from './names.ts';
import { formatSize, parseSize } from './sizes.ts';

describe('instance names', () => {
  it('accepts letters, digits, dash, underscore and dot', () => {
    for (const name of ['default', 'ubuntu-24.04', 'a_b', 'X1']) assert.equal(instanceNameProblem(name), undefined, name);
  });
  it('refuses path tricks, empty and odd names with a reason', () => {
    for (const name of ['', '..', '../etc', 'a/b', '.hidden', 'a..b', 'sp ace', '-dash', 'x'.repeat(64), 'naïve']) {
      assert.ok(instanceNameProblem(name), `expected "${name}" to be refused`);
    }
  });
});

describe('sizes in Lima notation', () => {
  it('parses binary units the way Lima does', () => {
    assert.equal(parseSize('256MiB'), 256 * 1024 ** 2);
    assert.equal(parseSize('4GiB'), 4 * 1024 ** 3);
    assert.equal(parseSize('4G'), 4 * 1024 ** 3);
    assert.equal(parseSize('1.5GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseSize(1048576), 1048576);
  });
  it('refuses garbage', () => {
    for (const bad of ['', 'lots', '4 parsecs', '-1GiB', '0', 0, 1.5]) assert.equal(parseSize(bad), undefined, String(bad));
  });
  it('formats with the largest exact unit', () => {
    assert.equal(formatSize(4 * 1024 ** 3), '4GiB');
    assert.equal(formatSize(1536 * 1024 ** 2), '1536MiB');
  });
});

describe('lima.yaml parsing', () => {
  it('reads the fields Corral runs', () => {
    const { config, warnings } = parseLimaConfig('cpus: 2\nmemory: 512MiB\nimages:\n  - location: /a.img\n    arch: x86_64\n', 't.yaml');
    assert.equal(config.cpus, 2);
    assert.equal(config.images[0]?.arch, 'x86_64');
    assert.deepEqual(warnings, []);
  });
  it('names the field and line of a wrong type', () => {
    assert.throws(() => parseLimaConfig('images:\n  - location: /a.img\ncpus: many\n', 't.yaml'), (error: Error & { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(error.code, 'INVALID_CONFIG');
      assert.equal(error.details?.field, 'cpus');
      assert.match(error.message, /t\.yaml:3: field "cpus"/);
      return true;
    });
  });
  it('names nested fields', () => {
    assert.throws(() => parseLimaConfig('images:\n  - location: /a.img\n    digest: md5:abc\n', 't.yaml'), /field "images\[0\]\.digest"/);
    assert.throws(() => parseLimaConfig('memory: lots\nimages:\n  - location: /a\n', 't.yaml'), /t\.yaml:1: field "memory": expected a size/);
  });
  it('reports malformed YAML with its position', () => {
    assert.throws(() => parseLimaConfig('images: [\n', 'bad.yaml'), /bad\.yaml:\d+:\d+: malformed YAML/);
  });
  it('warns about fields it does not act on, never dropping them silently', () => {
    const { warnings } = parseLimaConfig('images:\n  - location: /a\nmountInotify: true\nmounts:\n  - location: /x\n    sshfs: { cache: true }\nfrobnicate: 1\n', 't.yaml');
    assert.equal(warnings.length, 3);
    assert.match(warnings[0] ?? '', /"mountInotify" is not supported by Corral yet/);
    assert.match(warnings[1] ?? '', /"mounts\[0\]\.sshfs" is not supported by Corral yet/);
    assert.match(warnings[2] ?? '', /unknown field "frobnicate"/);
  });
});

describe('user: and ssh: (Lima\'s fields, acted on)', () => {
  it('are kept in the config, with no "not supported" warning', () => {
    const text = 'images:\n- location: /a.img\nuser:\n  name: dev\n  comment: Developer\n  home: /home/dev\n  shell: /bin/zsh\n  uid: 2000\nssh:\n  localPort: 60022\n  loadDotSSHPubKeys: true\n';
    const { config, warnings } = parseLimaConfig(text, 'lima.yaml');
    assert.deepEqual(config.user, { name: 'dev', comment: 'Developer', home: '/home/dev', shell: '/bin/zsh', uid: 2000 });
    assert.deepEqual(config.ssh, { localPort: 60022, loadDotSSHPubKeys: true });
    assert.deepEqual(warnings, []);
  });
  it('a bad port names the field', () => {
    assert.throws(() => parseLimaConfig('images:\n- location: /a.img\nssh:\n  localPort: 70000\n', 'lima.yaml'), /lima\.yaml:4: field "ssh\.localPort"/);
  });
});
