// The conformance kit against drivers that break the contract: each broken guarantee fails
// its check with a message that names the problem, what it gets right passes, and checks that
// need a failed one are reported as not run. (The real QEMU driver passing the kit, through
// `corral driver test`, is e2e/driver-test.test.ts.)
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fixtureDriver, tempDir } from '../../../../e2e/support/temp.ts';
import { runConformance } from './index.ts';
import type { CheckResult, ConformanceReport } from './index.ts';

let root: string;
before(async () => { root = await tempDir('corral-conformance-'); });
after(async () => { await fs.rm(root, { recursive: true, force: true }); });

function byId(report: ConformanceReport): Map<string, CheckResult> {
  return new Map(report.results.map((r) => [r.id, r]));
}

function expect(results: Map<string, CheckResult>, id: string, status: CheckResult['status'], message?: RegExp): void {
  const result = results.get(id);
  assert.ok(result, `no result for ${id}`);
  assert.equal(result.status, status, `${id}: ${result.message ?? ''}`);
  if (message) assert.match(result.message ?? '', message, id);
}

describe('a driver that breaks the contract (e2e/fixtures/drivers/broken-example.ts)', () => {
  let report: ConformanceReport;
  let results: Map<string, CheckResult>;
  const streamed: string[] = [];

  before(async () => {
    const workDir = path.join(root, 'broken');
    await fs.mkdir(workDir);
    // The broken driver boots nothing: any files do as its "guest".
    const kernel = path.join(root, 'vmlinuz');
    const initrd = path.join(root, 'initrd.img');
    await fs.writeFile(kernel, 'not a kernel');
    await fs.writeFile(initrd, 'not an initrd');
    report = await runConformance({
      entry: { name: 'broken-example', entry: fixtureDriver('broken-example.ts') },
      guest: { kernel, initrd },
      workDir,
      timeouts: { call: 3_000 },
      onResult: (r) => streamed.push(r.id),
    });
    results = byId(report);
  });

  test('fails overall, reporting each result as it finishes', () => {
    assert.equal(report.ok, false);
    assert.deepEqual(streamed, report.results.map((r) => r.id));
    assert.deepEqual(report.driver, { name: 'broken-example', version: '0.0.1', protocol: 1, isolation: 'built-in (not sandboxed)' });
    assert.deepEqual(report.cleanup, []);
  });

  test('passes what it gets right', () => {
    for (const id of [
      'handshake/hello', 'handshake/protocol', 'handshake/schema', 'handshake/identity', 'handshake/platform', 'handshake/available',
      'handshake/configure', 'handshake/configure-twice', 'handshake/engine', 'console/close-unknown', 'lifecycle/validate',
      'lifecycle/create', 'lifecycle/create-relocatable', 'lifecycle/create-idempotent', 'lifecycle/start', 'lifecycle/inspect-running',
      'errors/unsupported', 'console/open', 'console/shell', 'console/close', 'lifecycle/pause', 'lifecycle/stop', 'lifecycle/restart',
      'lifecycle/stop-force', 'lifecycle/delete', 'guest-access/ssh-released', 'guest-access/mounts-undeclared',
    ]) expect(results, id, 'pass');
    expect(results, 'guest-access/ssh-undeclared', 'skip', /^the driver offers ssh$/);
    expect(results, 'errors/unsupported', 'pass', /listSnapshots refused/);
    expect(results, 'stats/undeclared', 'pass', /^refused$/);
    expect(results, 'stats/samples', 'skip', /^the driver does not offer stats/);
    // Skipped with the check it needs, for the same reason, rather than "not run".
    expect(results, 'stats/ends', 'skip', /^the driver does not offer stats/);
  });

  test('reports Running before start', () => {
    expect(results, 'lifecycle/inspect-stopped', 'fail', /never started says Running \(pid \d+\); expected Stopped/);
  });

  test('start twice succeeds', () => {
    expect(results, 'lifecycle/start-twice', 'fail', /start\(\) of a running instance succeeded .*expected a refusal with INVALID_STATE/);
  });

  test('plain Errors and strings instead of DriverErrors', () => {
    expect(results, 'errors/validate-missing-file', 'fail', /refused with INTERNAL \("kernel .*no-such-kernel not found"\), expected INVALID_CONFIG.*throws a plain Error or a string/);
    expect(results, 'errors/validate-arch', 'fail', /refused with INTERNAL \("cannot run s390x"\), expected INVALID_CONFIG/);
    expect(results, 'lifecycle/delete-running', 'fail', /refused with INTERNAL \("it is still running"\), expected INVALID_STATE/);
    expect(results, 'errors/typed', 'fail', /3 of 6 refusals came as INTERNAL: .*validate\(\) of an s390x spec \("cannot run s390x"\); delete\(\) of a running instance/);
  });

  test('loses its VMs when its process restarts, so the console check after the crash is not run', () => {
    expect(results, 'crash/reattach', 'fail', /after the driver process \(pid \d+\) was killed, a fresh process \(pid \d+\) says the VM is Stopped; expected Running .*not from memory/);
    expect(results, 'crash/reattach-console', 'not-run', /^not run \(needs crash\/reattach\)$/);
  });

  test('declares ssh but forwards no port', () => {
    expect(results, 'guest-access/ssh-forward', 'fail', /nothing accepts connections on 127\.0\.0\.1:\d+ after start\(\) returned \(ECONNREFUSED\); a driver that declares capabilities\.ssh forwards/);
  });

  test('a hung call fails its check at the deadline, and the checks after it still run', () => {
    const resume = results.get('lifecycle/resume');
    expect(results, 'lifecycle/resume', 'fail', /resume\(\) did not finish within 6\.0 s; the kit ended the driver process/);
    assert.ok((resume?.durationMs ?? 0) < 10_000);
    expect(results, 'lifecycle/stop', 'pass');
  });

  test('counts add up', () => {
    assert.deepEqual(report.counts, { pass: 28, fail: 9, skip: 4, 'not-run': 1 });
  });
});

test('a driver speaking another protocol fails the protocol check, naming both versions, and nothing else runs', async () => {
  const workDir = path.join(root, 'old');
  await fs.mkdir(workDir);
  const report = await runConformance({ entry: { name: 'old', entry: fixtureDriver('old-protocol-driver.ts') }, workDir });
  const results = byId(report);
  expect(results, 'handshake/hello', 'pass');
  expect(results, 'handshake/protocol', 'fail', /hello\(\) says protocol v0, but this Corral speaks v1, so the engine refuses the driver \(PROTOCOL_MISMATCH\)/);
  expect(results, 'handshake/configure', 'not-run', /needs handshake\/protocol/);
  expect(results, 'handshake/engine', 'not-run', /needs handshake\/protocol/);
  expect(results, 'lifecycle/start', 'not-run');
  assert.equal(report.ok, false);
  assert.equal(report.driver.protocol, 0);
});

test('without a guest only the checks that boot nothing run; the rest say a guest is needed', async () => {
  const workDir = path.join(root, 'no-guest');
  await fs.mkdir(workDir);
  const report = await runConformance({ entry: { name: 'broken-example', entry: fixtureDriver('broken-example.ts') }, workDir });
  const results = byId(report);
  expect(results, 'handshake/engine', 'pass');
  expect(results, 'console/close-unknown', 'pass');
  expect(results, 'lifecycle/validate', 'not-run', /needs a guest: a Linux kernel and initrd whose serial console runs a shell/);
  expect(results, 'lifecycle/start', 'not-run', /needs lifecycle\/create/);
  assert.equal(report.ok, false);
});

test('a cancelled run reports the rest as not run, and still cleans up what it started', async () => {
  const workDir = path.join(root, 'cancelled');
  await fs.mkdir(workDir);
  const kernel = path.join(root, 'vmlinuz');
  await fs.writeFile(kernel, 'not a kernel');
  const cancel = new AbortController();
  const report = await runConformance({
    entry: { name: 'broken-example', entry: fixtureDriver('broken-example.ts') },
    guest: { kernel, initrd: kernel },
    workDir,
    signal: cancel.signal,
    onResult: (r) => { if (r.id === 'lifecycle/start') cancel.abort(); },
  });
  const results = byId(report);
  expect(results, 'lifecycle/start', 'pass');
  expect(results, 'lifecycle/inspect-running', 'not-run', /^not run \(the run was cancelled\)$/);
  expect(results, 'lifecycle/delete', 'not-run', /cancelled/);
  assert.equal(report.ok, false);
  assert.deepEqual(report.cleanup, []);
  // The kit stopped and deleted the instance it made on its way out.
  assert.deepEqual(await fs.readdir(path.join(workDir, 'instances', 'conformance-vm')), []);
});
