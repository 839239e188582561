// The instance list with 200 running instances streaming live figures (each sampled once a
// second), against the same list of 200 running instances whose driver has no figures, same
// run, same page: the longest main-thread task Chromium reports (its Long Tasks API sees tasks
// over 50 ms) and the longest gap between animation frames (what a user sees as a stutter),
// over 10 s of streaming. Goal: no task over 50 ms. The scripted test driver stands in for
// 200 QEMUs (`busy` streams made-up figures; `scripted` has none); the engine, the web shell,
// the batching and the page are the real ones. Then, over a second window, the main thread's CPU
// time from a trace: on a loaded machine the first figure measures the load as much as the page.
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { DriverEntry } from '../src-main/core/drivers/host.ts';
import { writeTemplate } from '../e2e/support/temp.ts';
import { openScriptedShell, statsScriptedDriver } from '../e2e/ui/scripted-shell.ts';
import { traceMainThread } from './main-thread-cpu.ts';
import type { MainThreadCpu } from './main-thread-cpu.ts';
import { report } from './stats.ts';

const count = Number(process.env.CORRAL_BENCH_INSTANCES ?? 200);
const windowMs = 10_000;
const probe = path.join(import.meta.dirname, '..', 'e2e', 'ui', 'probes', 'responsiveness.js');

interface Smoothness {
  /** The longest task over 50 ms, or 0 when there was none. */
  longestTaskMs: number;
  longTasks: number;
  /** The longest time between two animation frames. */
  worstFrameGapMs: number;
  frames: number;
  /** Main-thread CPU time over a second window of the same length (a loaded machine stretches wall time, not this). */
  cpu: MainThreadCpu;
}

/** Frames and long tasks over `ms` of the page's life from now (a string: no DOM types here). */
function watchSmoothness(page: Page, ms: number): Promise<Omit<Smoothness, 'cpu'>> {
  return page.evaluate<Omit<Smoothness, 'cpu'>>(`new Promise((resolve) => {
    const since = performance.now();
    let last = since, worst = 0, frames = 0;
    const tick = (now) => {
      worst = Math.max(worst, now - last);
      last = now;
      frames++;
      if (now - since < ${ms}) return requestAnimationFrame(tick);
      const tasks = corralProbe.longTasksSince(since);
      resolve({ longestTaskMs: Math.max(0, ...tasks.map((t) => t.duration)), longTasks: tasks.length, worstFrameGapMs: worst, frames });
    };
    requestAnimationFrame(tick);
  })`);
}

/** 200 running instances of `driver` in the list; how smooth the page is while they run. */
async function measure(driver: DriverEntry | undefined, vmType: string, streaming: boolean): Promise<Smoothness> {
  const shell = await openScriptedShell({ drivers: driver ? [driver] : [], context: { viewport: { width: 1280, height: 800 } } });
  try {
    const template = await writeTemplate(shell.root, { vmType, cpus: 1, memory: '256MiB', disk: '1GiB' });
    const names = Array.from({ length: count }, (_, i) => `vm-${String(i).padStart(3, '0')}`);
    for (const name of names) await shell.engine.create(name, { template });
    for (const name of names) await shell.engine.start(name);
    await shell.page.addInitScript({ path: probe });
    await shell.page.goto(shell.server.url);
    await shell.page.locator(`tr[data-instance="${names.at(-1)}"]`).waitFor({ timeout: 120_000 });
    if (streaming) {
      // Every row shows its figure: all 200 streams flow before the window opens.
      await shell.page.locator('.cpu-figure').filter({ hasText: /CPU/ }).nth(count - 1).waitFor({ timeout: 120_000 });
      const watched = shell.engine.stats.watchedNames.length;
      if (watched !== count) throw new Error(`${watched} instances watched, expected ${count}`);
    }
    const browser = shell.page.context().browser();
    if (!browser) throw new Error('the page has no browser to trace');
    const result = await watchSmoothness(shell.page, windowMs);
    // A second window, traced: tracing costs the page time of its own, so not in the first.
    const { cpu } = await traceMainThread(browser, shell.page, () => watchSmoothness(shell.page, windowMs));
    if (shell.pageErrors.length > 0) throw new Error(`page errors: ${shell.pageErrors.join('; ')}`);
    return { ...result, cpu };
  } finally {
    await shell.close();
  }
}

export async function run(): Promise<void> {
  const idle = await measure(undefined, 'scripted', false);
  const streaming = await measure(statsScriptedDriver, 'busy', true);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const longest = (s: Smoothness) => (s.longTasks === 0 ? 'none over 50 ms' : `${ms(s.longestTaskMs)} (${s.longTasks} over 50 ms)`);
  const cpu = (s: Smoothness) => `longest task's CPU ${s.cpu.longestTaskCpuMs.toFixed(1)} ms, main thread CPU ${(s.cpu.totalCpuMs / (windowMs / 1000)).toFixed(0)} ms/s`;
  // Ratio against the goal: a task of 50 ms or less reads as at most 1.00x.
  report(`UI longest main-thread task, ${count} instances streaming figures`, Math.max(streaming.longestTaskMs, 0) / 50, '< 1.00x of 50 ms',
    `streaming: longest task ${longest(streaming)}, worst frame gap ${ms(streaming.worstFrameGapMs)} over ${streaming.frames} frames, ${cpu(streaming)}; ` +
    `${count} running without figures: longest task ${longest(idle)}, worst frame gap ${ms(idle.worstFrameGapMs)} over ${idle.frames} frames, ${cpu(idle)}; ${windowMs / 1000} s each`);
}

if (import.meta.main) await run();
