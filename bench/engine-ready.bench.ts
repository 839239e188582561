// Engine ready in the web shell: from starting `corral serve` (bin/corral.js, the bundle, built
// first as `npm run build:cli` does) to the first API answer (listInstances, an empty home),
// against starting Node with a plain http server that answers one request, same run, rounds
// interleaved, medians. Goal (issue 14): under 300 ms; the difference is what Corral adds.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listInstancesAt, printedAddress } from './serve-address.ts';
import { median, report } from './stats.ts';

const rounds = Number(process.env.CORRAL_BENCH_ROUNDS ?? 9);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(repoRoot, 'bin', 'corral.js');

const plainServer = `
const server = require('node:http').createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"value":[]}'));
});
server.listen(0, '127.0.0.1', () => process.stdout.write('http://127.0.0.1:' + server.address().port + '/?token=none\\n'));
process.once('SIGTERM', () => server.close());`;

/**
 * Spawns `args`, waits for the address it prints (http://127.0.0.1:PORT/?token=T), makes the
 * first API call, and returns the time from spawn to the answer. The process is then ended.
 */
async function readyTime(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const address = await printedAddress(child, args.join(' '));
    const answer = await listInstancesAt(address);
    if (!answer.ok) throw new Error(`the first API call failed: ${JSON.stringify(answer)}`);
    return performance.now() - start;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function run(): Promise<void> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-bench-ready-'));
  const env = { ...process.env, CORRAL_CACHE: path.join(root, 'cache'), CORRAL_FROM_SOURCES: '' };
  try {
    await new Promise<void>((resolve, reject) => {
      spawn(process.execPath, [path.join(repoRoot, 'scripts', 'build-cli.ts')], { stdio: 'inherit' })
        .once('exit', (code) => (code === 0 ? resolve() : reject(new Error('npm run build:cli failed'))));
    });
    const serve = [bin, '--home', path.join(root, 'home'), 'serve', '--port', '0'];
    await readyTime(serve, env); // the home is made and the compile cache filled once, as after a first run
    const corral: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < rounds; i++) {
      plain.push(await readyTime(['-e', plainServer], env));
      corral.push(await readyTime(serve, env));
    }
    const ms = (value: number) => `${value.toFixed(0)} ms`;
    report('engine-ready (corral serve to first API answer)', median(corral) / median(plain), 'under 300 ms',
      `median ${ms(median(corral))} vs node + http server ${ms(median(plain))} (Corral adds ${ms(median(corral) - median(plain))}), ${rounds} rounds`);
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();
