// The QEMU driver process stays small (issue 14: under 60 MiB resident): the bundled `corral
// serve` lists 200 instances, each inspected by its one driver process, and that process's
// peak resident set (VmHWM) is read from /proc. It was 71.6 MiB before zod was tree-shaken
// and the driver ran without V8's optimising compilers (src-main/core/drivers/process.ts).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { lockCliBundle } from './support/cli-bundle-lock.ts';
import { guestTemplate } from './support/guest.ts';
import { repoRoot, tempDir } from './support/temp.ts';

const bin = path.join(repoRoot, 'bin', 'corral.js');
const count = 200;
const limitMiB = 60;

/** The address `corral serve` prints (http://127.0.0.1:PORT/?token=T); rejects if it exits first. */
function printedAddress(serve: ChildProcessByStdio<null, Readable, null>): Promise<URL> {
  return new Promise<URL>((resolve, reject) => {
    let said = '';
    serve.stdout.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(said);
      if (match) resolve(new URL(match[0]));
    });
    serve.once('exit', (code) => reject(new Error(`corral serve ended (${code}) before printing its address: ${said}`)));
  });
}

/** listInstances through the web shell's API, its token as the bearer. */
async function listInstancesAt(address: URL): Promise<{ ok: boolean; value?: unknown[] }> {
  const response = await fetch(new URL('/api/listInstances', address), {
    method: 'POST',
    headers: { authorization: `Bearer ${address.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return (await response.json()) as { ok: boolean; value?: unknown[] };
}

/** A /proc/PID/status field in MiB. */
async function statusMiB(pid: number, field: string): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  assert.ok(Number.isFinite(kib), `no ${field} for pid ${pid}`);
  return kib / 1024;
}

/** The processes `pid` started whose command line names the bundled QEMU driver. */
async function driverChildren(pid: number): Promise<number[]> {
  const children = (await fs.readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean).map(Number);
  const named = await Promise.all(children.map(async (child) => ((await fs.readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')).includes('drivers/qemu.js') ? child : undefined)));
  return named.filter((child) => child !== undefined);
}

describe('the QEMU driver process, bundled, after inspecting 200 instances', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let releaseBundle: (() => Promise<void>) | undefined;
  before(async () => {
    root = await tempDir();
    env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache'), CORRAL_FROM_SOURCES: '', CORRAL_QEMU_ACCEL: 'tcg' };
    const run = promisify(execFile);
    releaseBundle = await lockCliBundle(); // until the end: what is measured is the bundled driver
    await run(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.ts')]);
    const home = path.join(root, 'home');
    await run(process.execPath, [bin, '--home', home, 'create', 'm000', '--template', await guestTemplate()], { env });
    const first = path.join(home, 'instances', 'm000');
    for (let i = 1; i < count; i++) await fs.cp(first, path.join(home, 'instances', `m${String(i).padStart(3, '0')}`), { recursive: true });
  });
  after(async () => {
    await releaseBundle?.();
    await fs.rm(root, { recursive: true, force: true });
  });

  it(`peaks under ${limitMiB} MiB resident`, async () => {
    const serve = spawn(process.execPath, [bin, '--home', path.join(root, 'home'), 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => serve.once('exit', () => resolve()));
    try {
      const answer = await listInstancesAt(await printedAddress(serve));
      assert.equal(answer.ok, true, JSON.stringify(answer).slice(0, 300));
      assert.equal(answer.value?.length, count);
      const drivers = await driverChildren(serve.pid ?? -1);
      assert.equal(drivers.length, 1, 'one bundled QEMU driver process answers for every instance');
      const peak = await statusMiB(drivers[0] ?? -1, 'VmHWM');
      assert.ok(peak < limitMiB, `the driver peaked at ${peak.toFixed(1)} MiB resident, over ${limitMiB} MiB`);
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
  });
});
