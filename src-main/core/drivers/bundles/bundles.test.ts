// Bundles: a good one packs, inspects and installs; every malicious or broken one is refused
// with a clear message, and nothing is written outside a temp folder that is cleaned up.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { tempDir } from '../../../../e2e/support/temp.ts';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { installBundle, listInstalled, removeBundle, setEnabled } from './install.ts';
import type { InstallOptions } from './install.ts';
import { rawPublicKey } from './keys.ts';
import { packBundle } from './pack.ts';
import { craftBundle, draftManifest, writeBundleDir } from './test-support/bundles.ts';
import { sha256 } from './pack.ts';
import { readTarGz } from './tar.ts';

let root: string;
before(async () => { root = await tempDir('corral-bundles-'); });
after(async () => { await fs.rm(root, { recursive: true, force: true }); });

let n = 0;
async function fresh(): Promise<{ home: string; work: string }> {
  const base = path.join(root, `case-${n++}`);
  const home = path.join(base, 'home');
  const work = path.join(base, 'work');
  await fs.mkdir(home, { recursive: true });
  await fs.mkdir(work, { recursive: true });
  return { home, work };
}

const approve: InstallOptions = { confirm: async () => true, sandbox: { enforced: true, by: 'test' } };

/** Every path under `dir`, for before/after comparisons. */
async function tree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String).sort();
}

async function assertRefused(bundle: (work: string) => Promise<string>, reason: string, message: RegExp, options: Partial<InstallOptions> = {}): Promise<void> {
  const { home, work } = await fresh();
  const file = await bundle(work);
  const before = await tree(path.dirname(home));
  await assert.rejects(installBundle(home, file, { ...approve, ...options }), (error: unknown) => {
    assert.ok(error instanceof DriverError, `expected a DriverError, got ${String(error)}`);
    assert.equal(error.code, 'INVALID_BUNDLE', error.message);
    assert.equal(error.details.reason, reason, error.message);
    assert.match(error.message, message);
    return true;
  });
  assert.deepEqual(await tree(path.dirname(home)), before, 'nothing may be written when a bundle is refused');
  assert.deepEqual(await tree(path.join(home, 'drivers')), []);
  assert.deepEqual(await tree(path.join(home, 'tmp')), [], 'the temp folder is cleaned');
}

describe('a good bundle', () => {
  test('packs, installs into drivers/NAME/VERSION, lists, disables, removes', async () => {
    const { home, work } = await fresh();
    const dir = await writeBundleDir(path.join(work, 'src'), { 'main.js': 'console.log("hi")', 'lib/util.js': 'export {}' });
    const { file, manifest } = await packBundle(dir, { out: path.join(work, 'demo.corral-driver') });
    assert.equal(manifest.files['lib/util.js'], sha256(Buffer.from('export {}')));
    let shown = '';
    const installed = await installBundle(home, file, { ...approve, confirm: async (p) => { shown = p.text; return true; } });
    assert.match(shown, /UNSIGNED/);
    assert.match(shown, /network: {2}no/);
    assert.equal(installed.dir, path.join(home, 'drivers', 'demo', '1.0.0'));
    assert.equal(await fs.readFile(path.join(installed.dir, 'lib/util.js'), 'utf8'), 'export {}');
    assert.deepEqual((await listInstalled(home)).map((d) => [d.name, d.version, d.enabled]), [['demo', '1.0.0', true]]);
    assert.deepEqual(await tree(path.join(home, 'tmp')), []);

    const running = async () => ['web'];
    await assert.rejects(setEnabled(home, 'demo', false, { runningInstances: running }), /instances web run on it/);
    await setEnabled(home, 'demo', false, { runningInstances: async () => [] });
    assert.equal((await listInstalled(home))[0]?.enabled, false);
    await assert.rejects(removeBundle(home, 'demo', { runningInstances: running }), /cannot remove driver demo/);
    await removeBundle(home, 'demo', { runningInstances: running, force: true });
    assert.deepEqual(await listInstalled(home), []);
  });

  test('upgrade replaces the active version, refused while instances run unless forced', async () => {
    const { home, work } = await fresh();
    const v1 = await packBundle(await writeBundleDir(path.join(work, 'v1'), { 'main.js': '1' }), { out: path.join(work, 'v1.corral-driver') });
    const v2 = await packBundle(await writeBundleDir(path.join(work, 'v2'), { 'main.js': '2' }, { version: '2.0.0' }), { out: path.join(work, 'v2.corral-driver') });
    await installBundle(home, v1.file, approve);
    await assert.rejects(installBundle(home, v1.file, approve), /already/);
    const running = async () => ['db'];
    await assert.rejects(installBundle(home, v2.file, { ...approve, runningInstances: running }), /cannot upgrade \(1.0.0 to 2.0.0\) driver demo: instances db/);
    let prompt = '';
    const upgraded = await installBundle(home, v2.file, { ...approve, runningInstances: running, force: true, confirm: async (p) => { prompt = p.text; return true; } });
    assert.match(prompt, /replacing 1.0.0/);
    assert.equal(upgraded.version, '2.0.0');
    assert.deepEqual(await tree(path.join(home, 'drivers', 'demo')), ['2.0.0', '2.0.0/main.js', '2.0.0/manifest.json', 'driver.json']);
  });

  test('a bundle that logs in over SSH says so in the trust terms', async () => {
    const { home, work } = await fresh();
    const files = { 'main.js': 'console.log(1)' };
    const permissions = { read: [], write: [], exec: ['ssh'], network: true, ssh: true };
    const file = await craftBundle(path.join(work, 'b.corral-driver'), { files, manifest: { ...draftManifest({ permissions }), files: { 'main.js': sha256(Buffer.from(files['main.js'])) } } });
    let shown = '';
    await installBundle(home, file, { ...approve, confirm: async (p) => { shown = p.text; return true; } });
    assert.match(shown, /^ {2}ssh: {6}log in to other hosts as you: your ~\/\.ssh read-only \(keys, known_hosts, config\) and your SSH agent$/m);
  });

  test('a bundle may not take a built-in driver\'s name', async () => {
    const { home, work } = await fresh();
    const { file } = await packBundle(await writeBundleDir(path.join(work, 'src'), { 'main.js': '1' }, { name: 'qemu' }), { out: path.join(work, 'q.corral-driver') });
    await assert.rejects(installBundle(home, file, { ...approve, reservedNames: ['qemu'] }), /qemu is the name of a built-in driver/);
    assert.deepEqual(await tree(home), []);
  });

  test('a declined trust prompt writes nothing', async () => {
    const { home, work } = await fresh();
    const { file } = await packBundle(await writeBundleDir(path.join(work, 'src'), { 'main.js': '1' }), { out: path.join(work, 'b.corral-driver') });
    await assert.rejects(installBundle(home, file, { ...approve, confirm: async () => false }), { code: 'PERMISSION_DENIED' });
    assert.deepEqual(await tree(home), []);
  });

  test('signatures: a trusted key is named, an unknown key is shown by fingerprint, and the unsandboxed case is said plainly', async () => {
    const { home, work } = await fresh();
    const { privateKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const dir = await writeBundleDir(path.join(work, 'src'), { 'main.js': '1' });
    const { file } = await packBundle(dir, { out: path.join(work, 'signed.corral-driver'), signingKey: privateKey });
    const trustedKeys = [{ name: 'Example Ltd', publicKey: rawPublicKey(privateKey).toString('base64') }];
    const prompts: string[] = [];
    const confirm = async (p: { text: string }) => { prompts.push(p.text); return false; };
    await assert.rejects(installBundle(home, file, { ...approve, trustedKeys, confirm }));
    await assert.rejects(installBundle(home, file, { ...approve, trustedKeys: [{ name: 'x', publicKey: rawPublicKey(other.privateKey).toString('base64') }], confirm, sandbox: { enforced: false, reason: 'bubblewrap is not installed' } }));
    assert.match(prompts[0] ?? '', /signed by Example Ltd \(SHA256:/);
    assert.match(prompts[1] ?? '', /signed by an UNKNOWN key SHA256:/);
    assert.match(prompts[1] ?? '', /UNSANDBOXED: bubblewrap is not installed/);
  });
});

describe('refused bundles', () => {
  test('path traversal', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    extra: [{ type: 'file', path: '../../escaped.txt', data: Buffer.from('x') }],
  }), 'path', /"\.\.\/\.\.\/escaped\.txt" climbs out of the bundle/));

  test('path traversal in the middle of a path', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    extra: [{ type: 'file', path: 'lib/../../escaped.txt', data: Buffer.from('x') }],
  }), 'path', /climbs out/));

  test('absolute path', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    extra: [{ type: 'file', path: '/tmp/corral-absolute-escape', data: Buffer.from('x') }],
  }), 'path', /"\/tmp\/corral-absolute-escape" is absolute/));

  test('a symbolic link pointing out', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    extra: [{ type: 'link', path: 'etc', target: '/etc', hard: false }],
  }), 'link', /entry etc is a symbolic link to "\/etc"/));

  test('a hard link', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    extra: [{ type: 'link', path: 'passwd', target: '../../../etc/passwd', hard: true }],
  }), 'link', /hard link/));

  test('hash mismatch', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    manifest: { ...draftManifest(), files: { 'main.js': sha256(Buffer.from('the reviewed code')) } },
    files: { 'main.js': 'something else' },
  }), 'hash', /main\.js has sha256 [0-9a-f]{64}, but the manifest says/));

  test('a file not listed in the manifest', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    extra: [{ type: 'file', path: 'smuggled.js', data: Buffer.from('x') }],
  }), 'hash', /smuggled\.js is in the bundle but not listed/));

  test('bad signature (manifest altered after signing)', () => assertRefused(async (w) => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const dir = await writeBundleDir(path.join(w, 'src'), { 'main.js': '1' });
    const signed = await packBundle(dir, { out: path.join(w, 'signed.corral-driver'), signingKey: privateKey });
    // Same signature file, different (still valid) manifest: as if someone widened the permissions.
    const entries = readTarGz(await fs.readFile(signed.file), { maxBytes: 1_048_576, maxEntries: 10 });
    const sig = entries.find((e) => e.path === 'manifest.sig');
    if (sig?.type !== 'file') throw new Error('the signed bundle has no manifest.sig');
    const widened = { ...signed.manifest, permissions: { ...signed.manifest.permissions, network: true } };
    return craftBundle(path.join(w, 'b.corral-driver'), { files: { 'main.js': '1' }, manifest: widened, extra: [sig] });
  }, 'signature', /signature does not match manifest\.json/));

  test('wrong protocol version', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    manifest: { ...draftManifest({ protocol: 99 }), files: { 'main.js': sha256(Buffer.from('console.log(1)')) } },
  }), 'protocol', /speaks driver protocol v99, but this Corral speaks v1/));

  test('wrong platform', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    manifest: { ...draftManifest({ platforms: ['freebsd'] }), files: { 'main.js': sha256(Buffer.from('console.log(1)')) } },
  }), 'platform', /runs on freebsd, not on/, { platform: 'linux' }));

  test('oversized file', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    files: { 'main.js': 'x'.repeat(5000) },
  }), 'size', /main\.js is 5000 bytes, over the per-file limit of 4096/, { limits: { maxFileBytes: 4096 } }));

  test('a gzip bomb stops at the limit', () => assertRefused(async (w) => {
    const file = path.join(w, 'bomb.corral-driver');
    await fs.writeFile(file, gzipSync(Buffer.alloc(64 * 1024 * 1024)));
    return file;
  }, 'archive', /unpacks to more than/, { limits: { maxTotalBytes: 1024 * 1024 } }));

  test('too many files', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    files: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}.js`, String(i)])),
    manifest: { ...draftManifest({ entry: 'f0.js' }), files: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}.js`, sha256(Buffer.from(String(i)))])) },
  }), 'archive', /more than 12 entries/, { limits: { maxFiles: 10 } }));

  test('malformed manifest: not JSON', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    manifestText: '{ "name": ',
  }), 'manifest', /manifest\.json is not JSON/));

  test('malformed manifest: missing and unknown fields', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    manifest: { name: 'Demo!', version: '1', protocol: 1, entry: 'main.js', platforms: ['linux'], description: '', files: {}, runAsRoot: true },
  }), 'manifest', /name: must be lowercase.*version: must be a version.*permissions/));

  test('ssh without the network or the ssh program', () => assertRefused((w) => craftBundle(path.join(w, 'b.corral-driver'), {
    manifest: { ...draftManifest({ permissions: { read: [], write: [], exec: [], network: false, ssh: true } }), files: { 'main.js': sha256(Buffer.from('console.log(1)')) } },
  }), 'manifest', /network: must be true when ssh is.*exec: must list ssh when ssh is true/));

  test('not a tar.gz at all', () => assertRefused(async (w) => {
    const file = path.join(w, 'b.corral-driver');
    await fs.writeFile(file, 'PK\u0003\u0004 a zip, say');
    return file;
  }, 'archive', /not a gzip file/));
});
