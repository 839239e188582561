// Template parsing (issue #10): a template of N `env:` keys, parsed as the loader does, at 16k
// and 32k keys. Doubling the keys should double the time (goal: at most 2.5x); the baseline in
// the same run is the yaml library's own duplicate-key check, which the loader no longer uses
// (quadratic: about 4x per doubling). Then the largest template allowed (512 KiB) through
// loadTemplate, with the longest the event loop went without running a timer meanwhile.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { tempDir } from '../e2e/support/temp.ts';
import { readYamlMapping } from '../src-main/core/instances/config.ts';
import { loadTemplate } from '../src-main/core/templates/load.ts';
import { maxTemplateBytes } from '../src-main/core/templates/read.ts';
import { report } from './stats.ts';

function envTemplate(keys: number): string {
  return `images:\n- location: /img/disk.qcow2\nenv:\n${Array.from({ length: keys }, (_, i) => `  KEY_${i}: value-${i}\n`).join('')}`;
}

function timeOf(parse: (text: string) => unknown, text: string, rounds = 3): number {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    parse(text);
    samples.push(performance.now() - started);
  }
  // The fastest run: on a shared, loaded machine the others measure the neighbours.
  return Math.min(...samples);
}

async function largestAllowed(): Promise<{ ms: number; stallMs: number; bytes: number }> {
  const dir = await tempDir('corral-bench-template-');
  try {
    let text = '';
    for (let keys = 1000; ; keys += 500) {
      const next = envTemplate(keys);
      if (next.length > maxTemplateBytes) break;
      text = next;
    }
    const file = path.join(dir, 'large.yaml');
    await fs.writeFile(file, text);
    let last = performance.now();
    let stallMs = 0;
    const tick = (): void => { const now = performance.now(); stallMs = Math.max(stallMs, now - last); last = now; };
    const timer = setInterval(tick, 5);
    const started = performance.now();
    await loadTemplate(file, { defaultsFile: null });
    const ms = performance.now() - started;
    tick();
    clearInterval(timer);
    return { ms, stallMs, bytes: text.length };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const small = envTemplate(16_000);
  const large = envTemplate(32_000);
  const ours = (text: string) => readYamlMapping(text, 'bench.yaml');
  const yamlCheck = (text: string) => parseDocument(text).toJS();
  timeOf(ours, small, 1); // warm up both sizes
  timeOf(ours, large, 1);
  const ours16 = timeOf(ours, small, 5);
  const ours32 = timeOf(ours, large, 5);
  const old16 = timeOf(yamlCheck, small, 1);
  const old32 = timeOf(yamlCheck, large, 1);
  report('template parse, 32k vs 16k env keys', ours32 / ours16, '<= 2.5x', `${ours16.toFixed(0)} ms -> ${ours32.toFixed(0)} ms; yaml's own duplicate check: ${old16.toFixed(0)} ms -> ${old32.toFixed(0)} ms (${(old32 / old16).toFixed(2)}x)`);
  const biggest = await largestAllowed();
  report('largest allowed template: longest event-loop stall vs load time', biggest.stallMs / biggest.ms, '<= 0.2x', `${(biggest.bytes / 1024).toFixed(0)} KiB loaded in ${biggest.ms.toFixed(0)} ms, timers late by at most ${biggest.stallMs.toFixed(0)} ms`);
}

if (import.meta.main) await run();
