// `npm run bench`: every benchmark in sequence, each printing its own ratio line(s).
// Run one alone with `node_modules/.bin/node bench/NAME.bench.ts`. CORRAL_BENCH_ONLY=a,b picks
// benchmarks by file name (without .bench.ts); a failing one is reported and the rest still run.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Cheap ones first; the order is otherwise the files' names. */
const order = ['rpc-roundtrip', 'download', 'start-overhead', 'console-throughput', 'ui', 'console-ui'];

const found = (await fs.readdir(here)).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length));
const only = process.env.CORRAL_BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const names = [...order.filter((n) => found.includes(n)), ...found.filter((n) => !order.includes(n)).sort()]
  .filter((n) => !only || only.includes(n));

let failed = 0;
for (const name of names) {
  const bench = (await import(pathToFileURL(path.join(here, `${name}.bench.ts`)).href)) as { run?: () => Promise<void> };
  if (typeof bench.run !== 'function') {
    process.stdout.write(`${name}: no run() export, skipped\n`);
    continue;
  }
  try {
    await bench.run();
  } catch (error) {
    failed++;
    process.stdout.write(`${name}: FAILED — ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
  }
}
if (failed > 0) process.exitCode = 1;
