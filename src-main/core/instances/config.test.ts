import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { limaConfigSchema, parseLimaConfig } from './config.ts';
import { limaConfigSchemaVersion } from './config-version.ts';
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

describe('provision, probes, env, param, message (Lima\'s boot flow, acted on)', () => {
  const base = 'images:\n- location: /a.img\n';
  it('are kept in the config, with no "not supported" warning', () => {
    const text = `${base}env:\n  A: one\nparam:\n  COLOUR: blue\nprovision:\n- mode: system\n  script: echo $PARAM_COLOUR\n- mode: data\n  path: /etc/x\n  content: x\nprobes:\n- script: "true"\n  hint: wait\nmessage: hi\n`;
    const { config, warnings } = parseLimaConfig(text, 'lima.yaml');
    assert.deepEqual(warnings, []);
    assert.equal(config.provision?.length, 2);
    assert.deepEqual(config.probes, [{ script: 'true', hint: 'wait' }]);
    assert.deepEqual(config.env, { A: 'one' });
    assert.equal(config.message, 'hi');
  });
  it('a provision entry without a script names the field', () => {
    assert.throws(() => parseLimaConfig(`${base}provision:\n- mode: user\n`, 'lima.yaml'), /lima\.yaml:\d+: field "provision\[0\]\.script": a provision entry of mode user needs `script:`/);
    assert.throws(() => parseLimaConfig(`${base}provision:\n- mode: data\n  content: x\n`, 'lima.yaml'), /field "provision\[0\]\.path": a data entry needs `path:`/);
  });
  it('an unknown mode names the field and the modes there are', () => {
    assert.throws(() => parseLimaConfig(`${base}provision:\n- mode: sometimes\n  script: "true"\n`, 'lima.yaml'), /field "provision\[0\]\.mode": unknown mode: expected one of boot, dependency, data, system, user/);
    assert.throws(() => parseLimaConfig(`${base}probes:\n- mode: liveness\n  script: "true"\n`, 'lima.yaml'), /field "probes\[0\]\.mode": unknown mode: expected readiness/);
  });
  it('a param used by a script but not defined is refused, naming it', () => {
    assert.throws(() => parseLimaConfig(`${base}provision:\n- script: echo $PARAM_COLOUR\n`, 'lima.yaml'), /field "param": PARAM_COLOUR is used by a script but not defined; add "COLOUR" under param:/);
    assert.throws(() => parseLimaConfig(`${base}param:\n  A: 1\nprobes:\n- script: echo {{.Param.B}}\n`, 'lima.yaml'), /PARAM_B is used by a script but not defined/);
  });
  it('env and param values must fit on one line; names must be variable names', () => {
    assert.throws(() => parseLimaConfig(`${base}env:\n  A: "two\\nlines"\n`, 'lima.yaml'), /field "env\.A": expected a value on one line/);
    assert.throws(() => parseLimaConfig(`${base}env:\n  1A: x\n`, 'lima.yaml'), /field "env\.1A": expected a variable name/);
  });
  it('Lima\'s yq and ansible modes load with a warning that they are skipped', () => {
    const { warnings } = parseLimaConfig(`${base}provision:\n- mode: yq\n  path: /etc/x.json\n  expression: .a = 1\n`, 'lima.yaml');
    assert.ok(warnings.some((w) => /field "provision\[0\]": mode yq is not supported by Corral yet; this entry is skipped/.test(w)), warnings.join('\n'));
  });
});

describe('the schema version recorded with parsed configs', () => {
  it('names the schema\'s current shape: a change of shape needs a new version', () => {
    // The shape as JSON Schema: fields, types, optionality, enums, patterns and bounds.
    const shape = JSON.stringify(z.toJSONSchema(limaConfigSchema(), { unrepresentable: 'any', io: 'output' }));
    const fingerprint = createHash('sha256').update(shape).digest('hex').slice(0, 16);
    const known: Record<number, string> = { 1: '38960bb9f0d68531' };
    assert.equal(known[limaConfigSchemaVersion], fingerprint,
      `limaConfigSchema's shape is now ${fingerprint}: bump limaConfigSchemaVersion (config-version.ts) and add it here, so configs parsed by the old schema are parsed again`);
  });
});
