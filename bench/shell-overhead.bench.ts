// `corral shell NAME -- true` (a Node process: the engine reads the instance, inspects it
// through the driver, then runs the system's ssh) against `ssh -i KEY -p PORT user@127.0.0.1
// true` with the same options, in the same run, on the real Debian guest. Goal: under 1.3x.
// Boots the guest once (1 to 3 minutes under TCG), then alternates the two, one warm-up each.
import path from 'node:path';
import { repoRoot } from '../e2e/support/temp.ts';
import { cloudInitFinished, createDebianGuest, runToEnd, sshTrue, waitForLine } from './debian-guest.ts';
import { median, percentile, report } from './stats.ts';
import { startedPid } from '../src-drivers/sdk/test-support/started.ts';

const rounds = Number(process.env.CORRAL_BENCH_ROUNDS ?? 10);
const bootTimeoutMs = 10 * 60_000;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await run();
  return performance.now() - t;
}

export async function run(): Promise<void> {
  const guest = await createDebianGuest('shellbench');
  try {
    const ready = waitForLine(guest.serialLog, cloudInitFinished, bootTimeoutMs);
    const pid = startedPid(await guest.engine.start(guest.name));
    guest.pids.add(pid);
    await ready;
    const target = await guest.target();
    const env = { ...process.env, CORRAL_CACHE: guest.engine.paths.cache };
    const corralShell = () => runToEnd(process.execPath, [path.join(repoRoot, 'bin', 'corral.js'), '--home', guest.engine.paths.home, 'shell', guest.name, '--', 'true'], env);
    const plainSsh = () => sshTrue(target);
    await plainSsh();
    await corralShell();
    const shell: number[] = [];
    const ssh: number[] = [];
    for (let round = 0; round < rounds; round++) {
      shell.push(await timed(corralShell));
      ssh.push(await timed(plainSsh));
    }
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    report(
      '`corral shell NAME -- true` vs plain `ssh ... true`',
      median(shell) / median(ssh),
      '< 1.3x',
      `median ${ms(median(shell))} vs ${ms(median(ssh))}, p90 ${ms(percentile(shell, 90))} vs ${ms(percentile(ssh, 90))} over ${rounds} rounds`,
    );
  } finally {
    await guest.dispose();
  }
}

if (import.meta.main) await run();
