// Peak memory (VmHWM, peak resident set) of the engine behind `corral serve` with 200 instances,
// after it listed them all through the API (each one inspected by the QEMU driver), and of the
// driver process that answered. Goal (issue 14): each driver process under 60 MiB; the engine's
// figure is reported beside a plain Node's (`node -e`, reading its own) for scale.
// The instances are one real `corral create` of the tiny test guest, copied 199 times.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listInstancesAt, printedAddress } from './serve-address.ts';
import { report } from './stats.ts';

const count = 200;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repoRoot, 'bin', 'corral.js');
const goalMiB = 60;

/** Peak resident set of `pid` in MiB, from /proc/PID/status. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmHWM for pid ${pid}`);
  return kib / 1024;
}

/** The child processes of `pid` whose command line contains `marker`. */
async function childrenRunning(pid: number, marker: string): Promise<number[]> {
  const tasks = await fs.readdir(`/proc/${pid}/task`);
  const children = (await Promise.all(tasks.map((task) => fs.readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => ''))))
    .flatMap((text) => text.trim().split(/\s+/).filter(Boolean).map(Number));
  const matching = await Promise.all(children.map(async (child) => ((await fs.readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')).includes(marker) ? child : undefined)));
  return matching.filter((child) => child !== undefined);
}

export async function run(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-bench-memory-'));
  const home = path.join(root, 'home');
  const env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache'), CORRAL_QEMU_ACCEL: 'tcg', CORRAL_FROM_SOURCES: '' };
  const run = promisify(execFile);
  try {
    await run(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.ts')]);
    const guest = (await run('bash', [path.join(repoRoot, 'e2e/fixtures/test-guest/build.sh')])).stdout.trim();
    await run(process.execPath, [bin, '--home', home, 'create', 'm000', '--template', path.join(guest, 'guest.yaml')], { env });
    const first = path.join(home, 'instances', 'm000');
    for (let i = 1; i < count; i++) await fs.cp(first, path.join(home, 'instances', `m${String(i).padStart(3, '0')}`), { recursive: true });

    const serve = spawn(process.execPath, [bin, '--home', home, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => serve.once('exit', () => resolve()));
    try {
      const answer = await listInstancesAt(await printedAddress(serve, 'corral serve'));
      if (!answer.ok || answer.value?.length !== count) throw new Error(`listInstances did not list ${count} instances: ${JSON.stringify(answer).slice(0, 200)}`);
      const engine = await peakRssMiB(serve.pid ?? -1);
      const drivers = await childrenRunning(serve.pid ?? -1, 'qemu');
      if (drivers.length === 0) throw new Error('no QEMU driver process found under corral serve');
      const plainNode = Number((await run(process.execPath, ['-e', "process.stdout.write(/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1])"])).stdout) / 1024;
      const mib = (value: number) => `${value.toFixed(1)} MiB`;
      process.stdout.write(`memory: engine (corral serve, ${count} instances listed) peak RSS ${mib(engine)}; a plain node -e peaks at ${mib(plainNode)}\n`);
      for (const pid of drivers) {
        const peak = await peakRssMiB(pid);
        report(`memory qemu driver (pid ${pid})`, peak / goalMiB, `<= 1.00x of ${goalMiB} MiB`, `peak RSS ${mib(peak)} after inspecting ${count} instances`);
      }
    } finally {
      serve.kill('SIGTERM');
      await exited;
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
