// `corral driver test` as a user runs it: the built-in QEMU driver passes the conformance kit
// with the real test guest under QEMU, a deliberately broken driver packed as a bundle fails it
// (installed into a throwaway home and run sandboxed), and the command says what it needs.
// No QEMU process outlives a test, and the kit's temporary folders are gone afterwards.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { packBundle } from '../src-main/core/drivers/bundles/pack.ts';
import { sandboxSupport } from '../src-main/core/drivers/sandbox/spawn.ts';
import type { CheckResult, ConformanceReport } from '../src-main/core/drivers/conformance/index.ts';
import { domainsUnder, removeDomainsUnder, requireLibvirt } from '../src-drivers/libvirt/test-support/libvirt.ts';
import { testGuest } from './support/guest.ts';
import { alive, waitForExit } from './support/processes.ts';
import { fixtureDriver, repoRoot, tempDir } from './support/temp.ts';

const cli = path.join(repoRoot, 'src-main', 'corral.ts');

/** QEMU processes whose command line names a path under `root` (zombies have none, and are gone already). */
function qemuUnder(root: string): number[] {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return argv.startsWith('qemu-system') || argv.includes('/qemu-system') ? argv.includes(root) : false;
    } catch {
      return false;
    }
  });
}

describe('corral driver test', () => {
  let root: string;
  let tmp: string;
  let home: string;

  /** The CLI in its own process, its temp folder (where the kit works) inside this test's root. */
  function corral(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env, TMPDIR: tmp, CORRAL_HOME: home, CORRAL_CACHE: path.join(root, 'cache'), CORRAL_QEMU_ACCEL: 'tcg' };
    return new Promise((resolve) => {
      execFile(process.execPath, [cli, ...args], { env, timeout: 280_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  async function assertCleanedUp(): Promise<void> {
    assert.deepEqual(qemuUnder(root), [], 'no QEMU may outlive the kit');
    assert.deepEqual((await fsp.readdir(tmp)).filter((f) => f.startsWith('corral-drvtest-')), [], 'the kit removes its work folder');
  }

  before(async () => {
    root = await tempDir('corral-drvtest-e2e-');
    tmp = path.join(root, 'tmp');
    home = path.join(root, 'home');
    await fsp.mkdir(tmp);
  });

  after(async () => {
    await removeDomainsUnder(await requireLibvirt(), root).catch(() => undefined);
    for (const pid of qemuUnder(root)) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000).catch(() => undefined);
    }
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('passes the built-in QEMU driver with the test guest: a table, exit 0', async () => {
    const guest = await testGuest();
    const result = await corral(['driver', 'test', 'qemu', '--kernel', path.join(guest, 'vmlinuz'), '--initrd', path.join(guest, 'initrd.img'), '--disk', path.join(guest, 'disk.raw')]);
    assert.equal(result.code, 0, `corral driver test qemu failed:\n${result.stdout}\n${result.stderr}`);
    const out = result.stdout;
    assert.match(out, /^Driver conformance test: qemu, built in$/m);
    assert.match(out, /^GROUP\s+CHECK\s+RESULT\s+TIME\s+MESSAGE$/m);
    const rows = new Map([...out.matchAll(/^(handshake|lifecycle|errors|console|crash|guest-access|stats) +(\S+) +(PASS|FAIL|SKIP|NOT RUN) +(\S+(?: \S+)?) *(.*)$/gm)]
      .map((m) => [`${m[1]}/${m[2]}`, { result: m[3], time: m[4], message: m[5] ?? '' }]));
    assert.equal(rows.size, 42, out);
    for (const [id, row] of rows) {
      if (id === 'errors/unsupported') assert.deepEqual([row.result, row.message], ['SKIP', 'the driver offers pause and snapshots (capabilities): nothing to refuse']);
      else if (id === 'guest-access/ssh-undeclared') assert.deepEqual([row.result, row.message], ['SKIP', 'the driver offers ssh']);
      else if (id === 'guest-access/mounts-undeclared') assert.deepEqual([row.result, row.message], ['SKIP', 'the driver offers mounts']);
      else if (id === 'stats/undeclared') assert.deepEqual([row.result, row.message], ['SKIP', 'the driver offers stats']);
      else assert.equal(row.result, 'PASS', `${id}: ${row.message}`);
    }
    assert.match(rows.get('guest-access/ssh-forward')?.message ?? '', /^127\.0\.0\.1:\d+ accepts connections$/);
    assert.match(rows.get('lifecycle/start')?.message ?? '', /^pid \d+, accelerator tcg/);
    assert.match(rows.get('crash/reattach')?.message ?? '', /^driver pid \d+ killed; pid \d+ sees the VM Running$/);
    assert.match(rows.get('errors/validate-arch')?.message ?? '', /^field arch$/);
    assert.match(rows.get('guest-access/mounts-missing-folder')?.message ?? '', /^refused for 9p/);
    assert.match(rows.get('stats/samples')?.message ?? '', /^\d+ samples; the last: CPU [\d.]+ %, memory \d+ MiB, disk reported, network reported$/);
    assert.match(out, /^38 passed, 0 failed, 4 skipped, 0 not run in [\d.]+ m?s\.$/m);
    assert.match(out, /^PASS: driver qemu meets every check of driver protocol v1 that applies to it$/m);
    assert.equal(alive(Number(/pid (\d+), accelerator/.exec(out)?.[1])), false, 'the first VM is gone');
    await assertCleanedUp();
  });

  it('passes the libvirt driver bundle, installed for the test only and run sandboxed', async () => {
    const out = path.join(root, 'libvirt-bundle');
    await promisify(execFile)(process.execPath, [path.join(repoRoot, 'scripts/pack-driver.ts'), 'libvirt', '--out', out], { cwd: repoRoot });
    const [bundle] = (await fsp.readdir(out)).filter((f) => f.endsWith('.corral-driver'));
    assert.ok(bundle, 'pack-driver wrote no bundle');
    const guest = await testGuest();
    const result = await corral(['driver', 'test', path.join(out, bundle), '--kernel', path.join(guest, 'vmlinuz'), '--initrd', path.join(guest, 'initrd.img'), '--disk', path.join(guest, 'disk.raw')]);
    assert.equal(result.code, 0, `corral driver test (libvirt) failed:\n${result.stdout}\n${result.stderr}`);
    const support = sandboxSupport();
    assert.match(result.stdout, support.enforced ? /^handshake\s+engine\s+PASS\s+\S+ m?s\s+pid \d+, sandboxed \(bubblewrap/m : /^handshake\s+engine\s+PASS/m);
    assert.match(result.stdout, /^crash\s+reattach\s+PASS/m);
    assert.match(result.stdout, /^guest-access\s+ssh-undeclared\s+PASS\s+\S+ m?s\s+refused: the libvirt driver cannot forward 127\.0\.0\.1:2222 .*passt/m);
    assert.match(result.stdout, /^guest-access\s+ssh-forward\s+SKIP\s+.*the driver does not offer ssh \(capabilities\.ssh is false\)/m);
    assert.match(result.stdout, /^36 passed, 0 failed, 6 skipped, 0 not run in /m);
    assert.match(result.stdout, /^PASS: driver libvirt meets every check of driver protocol v1 that applies to it$/m);
    assert.deepEqual(await domainsUnder(await requireLibvirt(), tmp), [], 'the kit leaves no libvirt domain behind');
    await assertCleanedUp();
  });

  it('fails a broken driver bundle, installed for the test only and run sandboxed, naming each problem (--json)', async () => {
    const src = path.join(root, 'broken-src');
    await build({ entryPoints: [fixtureDriver('broken-example.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node22', outfile: path.join(src, 'main.mjs'), logLevel: 'silent' });
    await fsp.writeFile(path.join(src, 'manifest.json'), JSON.stringify({
      name: 'broken-example', version: '0.0.1', protocol: 1, entry: 'main.mjs', platforms: ['linux', 'darwin'],
      description: 'breaks the driver contract on purpose', permissions: { read: [], write: [], exec: [], network: false },
    }));
    const { file } = await packBundle(src, { out: path.join(root, 'broken-example-0.0.1.corral-driver') });
    // It boots nothing: any files do as its guest.
    for (const name of ['vmlinuz', 'initrd.img']) await fsp.writeFile(path.join(root, name), name);

    const result = await corral(['driver', 'test', file, '--kernel', path.join(root, 'vmlinuz'), '--initrd', path.join(root, 'initrd.img'), '--call-timeout', '3', '--json']);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as ConformanceReport & { source: string };
    const support = sandboxSupport();
    assert.equal(report.driver.isolation, support.enforced ? `sandboxed (${support.by})` : `UNSANDBOXED (${support.reason})`);
    assert.match(report.source, /^bundle .*broken-example-0\.0\.1\.corral-driver \(broken-example 0\.0\.1, installed for this test only\)$/);
    const results = new Map(report.results.map((r): [string, CheckResult] => [r.id, r]));
    const status = (id: string) => `${results.get(id)?.status}: ${results.get(id)?.message ?? ''}`;
    for (const id of ['handshake/engine', 'lifecycle/create', 'lifecycle/start', 'console/shell', 'lifecycle/stop', 'lifecycle/delete']) assert.match(status(id), /^pass/, id);
    assert.match(status('lifecycle/inspect-stopped'), /^fail: inspect\(\) of an instance that was created but never started says Running/);
    assert.match(status('lifecycle/start-twice'), /^fail: start\(\) of a running instance succeeded/);
    assert.match(status('crash/reattach'), /^fail: .* says the VM is Stopped; expected Running/);
    assert.match(status('lifecycle/delete-running'), /^fail: .*refused with INTERNAL \("it is still running"\), expected INVALID_STATE/);
    assert.match(status('lifecycle/resume'), /^fail: resume\(\) did not finish within 6\.0 s/);
    assert.match(status('errors/typed'), /^fail: 3 of 6 refusals came as INTERNAL/);
    assert.equal(report.ok, false);
    // Installed for the test only: the real CORRAL_HOME has no drivers.
    assert.equal(fs.existsSync(path.join(home, 'drivers')), false);
    await assertCleanedUp();
  });

  it('without a guest runs what boots nothing, and says what guest it needs', async () => {
    const result = await corral(['driver', 'test', 'qemu']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^handshake\s+engine\s+PASS/m);
    assert.match(result.stdout, /^lifecycle\s+validate\s+NOT RUN\s+-\s+not run \(needs a guest: a Linux kernel and initrd whose serial console runs a shell\)$/m);
    assert.match(result.stdout, /^NOT SHOWN: nothing failed, but 29 checks did not run/m);
    assert.match(result.stdout, /given with --kernel FILE --initrd FILE \[--disk FILE\]/);
    assert.match(result.stdout, /bash e2e\/fixtures\/test-guest\/build\.sh/);
    await assertCleanedUp();
  });

  it('refuses an unknown driver and half a guest, saying why', async () => {
    const unknown = await corral(['driver', 'test', 'nosuch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /driver "nosuch" is not installed \(known: qemu\); to test a bundle file, give its path, e.g\. \.\/nosuch\.corral-driver/);
    const half = await corral(['driver', 'test', 'qemu', '--kernel', '/nonexistent']);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--kernel and --initrd go together/);
    await assertCleanedUp();
  });
});
