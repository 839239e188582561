// Corral's user-data checked against cloud-init's own JSON schema, taken from Debian's cloud-init
// package (e2e/fixtures/cloud-init-schema/fetch.sh): the guest rejects the whole user-data when
// it does not validate, so every shape Corral writes is checked here, on the host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import AjvDraft04 from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv-draft-04';
import { parse } from 'yaml';
import { cidataFiles } from './index.ts';
import type { CidataOptions } from './index.ts';

const fetchScript = fileURLToPath(new URL('../../../e2e/fixtures/cloud-init-schema/fetch.sh', import.meta.url));

function cloudConfigValidator(): { validate: ValidateFunction; version: string } {
  const dir = execFileSync('bash', [fetchScript], { encoding: 'utf8' }).trim();
  const schema = JSON.parse(fs.readFileSync(path.join(dir, 'schema-cloud-config-v1.json'), 'utf8')) as Record<string, unknown>;
  // cloud-init's schema carries its own annotations (deprecated, label, hidden...): not strict.
  // A CommonJS module: Node hands over module.exports, whose `default` is the class.
  const Ajv = AjvDraft04.default;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return { validate: ajv.compile(schema), version: fs.readFileSync(path.join(dir, 'cloud-init-version'), 'utf8').trim() };
}

const { validate, version } = cloudConfigValidator();
const user: CidataOptions['user'] = { name: 'lima', uid: 1000, sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9vb2Jhcg corral'] };
const boot = { instanceId: 'iid-1', macAddress: '52:55:55:12:34:56' };

function userData(options: CidataOptions): unknown {
  const entry = cidataFiles({ name: 'demo' }, options).find((e) => e.name === 'user-data');
  assert.ok(entry?.data instanceof Uint8Array);
  return parse(new TextDecoder().decode(entry.data));
}

function assertValid(options: CidataOptions): void {
  const ok = validate(userData(options));
  assert.ok(ok, `cloud-init ${version} rejects the user-data: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
}

test(`user-data passes cloud-init's schema: a plain instance`, () => {
  assertValid({ user, ...boot });
});

test(`user-data passes cloud-init's schema: shared folders (bootcmd)`, () => {
  assertValid({ user, ...boot, mounts: [
    { tag: 'mount0', mountPoint: '/home/alice', type: '9p', options: 'ro,trans=virtio,version=9p2000.L,msize=131072,cache=fscache,nofail' },
    { tag: 'mount1', mountPoint: '/tmp/lima', type: 'virtiofs', options: 'rw,nofail' },
  ] });
});

test(`user-data passes cloud-init's schema: every option (comment, home, shell, time zone, DNS, containerd)`, () => {
  assertValid({
    user: { ...user, comment: 'Alice "A" Liddell', home: '/home/alice', shell: '/bin/zsh', sshAuthorizedKeys: [...user.sshAuthorizedKeys, 'ssh-rsa AAAAB3Nza second'] },
    ...boot, hostname: 'box', timezone: 'Europe/Paris', dns: ['10.0.2.3'],
    containerd: { archive: '/cache/nerdctl.tgz', system: true, user: true },
  });
});

test('the schema check catches what cloud-init rejected before: an empty key list', () => {
  const broken = userData({ user, ...boot }) as { users: Record<string, unknown>[] };
  const [first] = broken.users;
  assert.ok(first);
  first.ssh_authorized_keys = [];
  assert.equal(validate(broken), false, 'users.0 with ssh_authorized_keys: [] must not validate');
});
