// The boot flow's files on the cidata: what the guest's boot script reads, in Lima's order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { cidataFiles } from './index.ts';
import type { IsoEntry } from './index.ts';
import { bootFlow } from './boot-files.ts';

const user = { name: 'alice', uid: 501, home: '/home/alice.linux' };

function text(entries: IsoEntry[], name: string): string {
  const data = entries.find((e) => e.name === name)?.data;
  assert.ok(data instanceof Uint8Array, `${name} is on the cidata`);
  return new TextDecoder().decode(data);
}

test('steps run in Lima\'s order of modes (boot, dependency, data, system, user), each named by its entry', () => {
  const flow = bootFlow({
    instanceId: 'iid-7',
    user,
    provision: [
      { mode: 'user', script: 'echo u' },
      { script: 'echo s' }, // system is the default mode
      { mode: 'data', path: '/etc/x', content: 'x' },
      { mode: 'boot', script: 'echo b' },
      { mode: 'dependency', script: 'echo d' },
      { mode: 'yq', script: 'ignored' },
    ],
  });
  assert.deepEqual(flow.steps.map((s) => s.name), ['provision-03-boot', 'provision-04-dependency', 'provision-02-data', 'provision-01-system', 'provision-00-user']);
  assert.equal(text(flow.entries, 'corral-steps'), 'provision-03-boot.sh\nprovision-04-dependency.sh\nprovision-02-data\nprovision-01-system.sh\nprovision-00-user.sh\n');
  assert.equal(text(flow.entries, 'corral.env'), 'CORRAL_IID=iid-7\nCORRAL_USER=alice\nCORRAL_UID=501\nCORRAL_HOME=/home/alice.linux\nCORRAL_STEPS=5\n');
  assert.ok(!flow.entries.some((e) => e.name.startsWith('provision-05')), 'a yq entry is skipped');
  assert.equal(flow.entries.find((e) => e.name === 'provision-01-system.sh')?.mode, 0o555);
});

test('env and params become env files; {{.Param.X}} in scripts and data is filled in', () => {
  const flow = bootFlow({
    instanceId: 'iid-7',
    user,
    env: { GREETING: 'hello there', N: 3 },
    param: { COLOUR: 'blue' },
    provision: [{ script: '#!/bin/bash\necho "$PARAM_COLOUR {{ .Param.COLOUR }}"' }, { mode: 'data', path: '/etc/c', content: 'c={{.Param.COLOUR}}\n', owner: 'alice:alice', permissions: '600', overwrite: false }],
    probes: [{ script: 'test -f /etc/c', hint: 'look at /etc/c' }],
  });
  assert.equal(text(flow.entries, 'corral-etc-environment'), 'GREETING=hello there\nN=3\n');
  assert.equal(text(flow.entries, 'corral-param.env'), 'PARAM_COLOUR=blue\n');
  assert.equal(text(flow.entries, 'provision-00-system.sh'), '#!/bin/bash\necho "$PARAM_COLOUR blue"');
  assert.equal(text(flow.entries, 'provision-01-data'), 'c=blue\n');
  assert.equal(text(flow.entries, 'provision-01-data.env'), 'path=/etc/c\nowner=alice:alice\npermissions=600\noverwrite=false\n');
  assert.equal(text(flow.entries, 'probe-00.sh'), 'test -f /etc/c');
});

test('data entries get Lima\'s defaults: root:root, 644, overwrite', () => {
  const flow = bootFlow({ instanceId: 'i', user, provision: [{ mode: 'data', path: '/etc/d' }] });
  assert.equal(text(flow.entries, 'provision-00-data'), '');
  assert.equal(text(flow.entries, 'provision-00-data.env'), 'path=/etc/d\nowner=root:root\npermissions=644\noverwrite=true\n');
});

test('user-data runs the flow: the early stage from bootcmd (its own shell), the main one as a per-boot script', () => {
  const files = cidataFiles({ name: 'vm' }, {
    user: { name: 'alice', uid: 501, sshAuthorizedKeys: ['ssh-ed25519 AAAAkey alice@host'] },
    instanceId: 'iid-1',
    macAddress: '52:55:55:12:34:56',
    boot: { provision: [{ script: 'true' }] },
  });
  const userData = parse(text(files, 'user-data')) as { bootcmd: string[][]; write_files: { path: string; content: string; permissions: string }[] };
  assert.equal(userData.bootcmd.length, 1);
  assert.deepEqual(userData.bootcmd[0]?.slice(0, 2), ['sh', '-c']);
  assert.match(userData.bootcmd[0]?.[2] ?? '', /corral-boot\.sh early/);
  assert.equal(userData.write_files[0]?.path, '/var/lib/cloud/scripts/per-boot/00-corral-boot.sh');
  assert.equal(userData.write_files[0]?.permissions, '0755');
  assert.match(userData.write_files[0]?.content ?? '', /^#!\/bin\/sh\n[^]*corral-boot\.sh main/);
  for (const name of ['corral-boot.sh', 'corral.env', 'corral-steps', 'provision-00-system.sh']) assert.ok(files.some((f) => f.name === name), name);
});

test('the boot script is valid POSIX sh', async () => {
  const { bootScript } = await import('./boot-script.ts');
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync('sh', ['-n'], { input: bootScript, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
});
