// Hostile template sizes: a template over the size limit is refused before it is read whole,
// one just under it is parsed without freezing the engine's thread, and duplicate keys are
// still found (the check that used to be quadratic).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTemplate } from './load.ts';
import { maxTemplateBytes } from './read.ts';

let dir: string;
const options = { defaultsFile: null };

/** A template with `env:` padded to about `bytes` bytes: the shape of the report's 52 MB file. */
function envTemplate(bytes: number): string {
  const head = 'images:\n- location: /img/disk.qcow2\n  arch: x86_64\nenv:\n';
  const lines: string[] = [];
  let size = head.length;
  for (let i = 0; size < bytes; i++) {
    const line = `  KEY_${i}: value-${i}\n`;
    if (size + line.length > bytes) break;
    lines.push(line);
    size += line.length;
  }
  return head + lines.join('');
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-template-limits-'));
});
after(() => fs.rm(dir, { recursive: true, force: true }));

describe('template size', () => {
  it('refuses a template over the limit with a one-line message, without reading it all', async () => {
    const file = path.join(dir, 'huge.yaml');
    // Sparse: 8 GiB on paper, nothing on disk. Reading it whole would take minutes (or fail).
    await fs.writeFile(file, envTemplate(4096));
    await fs.truncate(file, 8 * 1024 ** 3);
    const started = performance.now();
    await assert.rejects(loadTemplate(file, options), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'INVALID_CONFIG');
      assert.equal(error.message, `template "${file}": ${file} is larger than 512 KiB, the most a template may have; check that it is the template you meant (Lima's largest is 34 KiB)`);
      return true;
    });
    assert.ok(performance.now() - started < 5_000, 'refused at once');
  });

  it('refuses a base over the limit, naming it', async () => {
    await fs.writeFile(path.join(dir, 'big-base.yaml'), envTemplate(maxTemplateBytes + 100));
    await fs.writeFile(path.join(dir, 'small.yaml'), 'base: big-base.yaml\n');
    await assert.rejects(loadTemplate(path.join(dir, 'small.yaml'), options), /big-base\.yaml is larger than 512 KiB/);
  });

  it('parses a template at the limit off the engine\'s thread: timers keep firing', async () => {
    const file = path.join(dir, 'large.yaml');
    await fs.writeFile(file, envTemplate(maxTemplateBytes));
    // The longest gap between ticks of a 10 ms timer while the template loads: a parse on this
    // thread shows up as one gap about as long as the whole load.
    let last = performance.now();
    let longestGap = 0;
    const tick = (): void => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    };
    const ticker = setInterval(tick, 10);
    const started = performance.now();
    try {
      const { document } = await loadTemplate(file, options);
      const keys = Object.keys(document.env ?? {}).length;
      assert.ok(keys > 15_000, `every key was read (${keys})`);
      tick(); // the gap up to the load's end counts too
    } finally {
      clearInterval(ticker);
    }
    const took = performance.now() - started;
    assert.ok(took > 300, `the load took ${took.toFixed(0)} ms, long enough to tell`);
    assert.ok(longestGap < took / 3, `the event loop stalled for ${longestGap.toFixed(0)} ms of a ${took.toFixed(0)} ms load`);
  });

  it('refuses aliases that expand without bound (a "billion laughs" file) in one line', async () => {
    const file = path.join(dir, 'laughs.yaml');
    const levels = 'abcdefgh'.split('');
    const lines = levels.map((name, i) => `${name}: &${name} [${Array.from({ length: 9 }, () => (i === 0 ? '"lol"' : `*${levels[i - 1] ?? ''}`)).join(',')}]`);
    await fs.writeFile(file, `images:\n- location: /a\n${lines.join('\n')}\n`);
    await assert.rejects(loadTemplate(file, options), {
      code: 'INVALID_CONFIG',
      message: `${file}: its YAML aliases (*name) expand too far to be read (Excessive alias count indicates a resource exhaustion attack); write the values out instead`,
    });
  });

  it('still refuses duplicate keys, naming the line of the repeat', async () => {
    const file = path.join(dir, 'dup.yaml');
    await fs.writeFile(file, 'images:\n- location: /a\nenv:\n  A: 1\n  B: 2\n  A: 3\n');
    await assert.rejects(loadTemplate(file, options), /dup\.yaml:6:3: malformed YAML: Map keys must be unique/);
  });
});
