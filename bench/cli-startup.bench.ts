// How long the `corral` command takes to answer, against starting Node itself (`node -e 0`),
// same run, rounds interleaved, medians. Goals (issue 14): `corral list` with one running
// instance at most 2.5x, `corral --help` at most 1.5x. Both run bin/corral.js as a user does,
// which runs the bundle (built first here, as `npm run build:cli` does); `list` from the
// sources (CORRAL_FROM_SOURCES=1) is printed beside them for comparison, with no goal.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, report } from './stats.ts';

const rounds = Number(process.env.CORRAL_BENCH_ROUNDS ?? 15);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repoRoot, 'bin', 'corral.js');

/** Wall time of one process from spawn to exit; a failure ends the benchmark, naming it. */
function timed(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(performance.now() - start) : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

export async function run(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-bench-cli-'));
  const env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache'), CORRAL_QEMU_ACCEL: 'tcg', CORRAL_FROM_SOURCES: '' };
  const corral = (...args: string[]) => [bin, '--home', path.join(root, 'home'), ...args];
  try {
    await timed([path.join(repoRoot, 'scripts', 'build-cli.ts')]);
    const guest = (await new Promise<string>((resolve, reject) => {
      const child = spawn('bash', [path.join(repoRoot, 'e2e/fixtures/test-guest/build.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error('the test guest did not build'))));
    })).trim();
    await timed(corral('create', 'bench', '--template', path.join(guest, 'guest.yaml')), env);
    await timed(corral('start', 'bench', '--no-wait'), env);
    const samples = { node: [] as number[], help: [] as number[], list: [] as number[], sources: [] as number[] };
    await timed(corral('list'), env); // the compile cache's first fill is not what users see after
    for (let i = 0; i < rounds; i++) {
      samples.node.push(await timed(['-e', '0']));
      samples.help.push(await timed([bin, '--help'], env));
      samples.list.push(await timed(corral('list'), env));
      samples.sources.push(await timed(corral('list'), { ...env, CORRAL_FROM_SOURCES: '1' }));
    }
    const node = median(samples.node);
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    report('cli-startup list (1 running)', median(samples.list) / node, '<= 2.5x', `median ${ms(median(samples.list))} vs node -e 0 ${ms(node)}, ${rounds} rounds`);
    report('cli-startup --help', median(samples.help) / node, '<= 1.5x', `median ${ms(median(samples.help))} vs node -e 0 ${ms(node)}`);
    report('cli-startup list from sources', median(samples.sources) / node, 'none, for comparison', `median ${ms(median(samples.sources))}`);
  } finally {
    await timed(corral('delete', 'bench', '--force'), env).catch(() => undefined);
    await fs.rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
