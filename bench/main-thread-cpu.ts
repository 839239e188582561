// The page's main-thread CPU time from a Chromium trace: what the page itself costs, apart from
// how long the machine made it wait. On a loaded machine (here: 2 cores shared by many jobs) a
// task's wall time (the Long Tasks API's figure) grows with everyone else's work; its thread
// time does not. Both are reported.
import type { Browser, Page } from 'playwright-core';
import * as z from 'zod';

const traceSchema = z.object({
  traceEvents: z.array(z.object({
    ph: z.string(),
    name: z.string(),
    pid: z.number(),
    tid: z.number(),
    dur: z.number().optional(),
    tdur: z.number().optional(),
    args: z.object({ name: z.string().optional() }).loose().optional(),
  }).loose()),
});

export interface MainThreadCpu {
  /** The most CPU one task took, in ms. */
  longestTaskCpuMs: number;
  /** All the main thread's tasks' CPU time, in ms. */
  totalCpuMs: number;
}

/** Runs `during` while tracing `page`; the busiest renderer main thread's task CPU times. */
export async function traceMainThread<T>(browser: Browser, page: Page, during: () => Promise<T>): Promise<{ result: T; cpu: MainThreadCpu }> {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  const result = await during();
  const trace = traceSchema.parse(JSON.parse((await browser.stopTracing()).toString('utf8')));
  const threadKey = (e: { pid: number; tid: number }) => `${e.pid}:${e.tid}`;
  const mains = new Set(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map(threadKey));
  const byThread = new Map<string, number[]>();
  for (const event of trace.traceEvents) {
    if (event.ph !== 'X' || event.name !== 'RunTask' || !mains.has(threadKey(event))) continue;
    const list = byThread.get(threadKey(event)) ?? [];
    list.push((event.tdur ?? 0) / 1000);
    byThread.set(threadKey(event), list);
  }
  const busiest = [...byThread.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  return { result, cpu: { longestTaskCpuMs: Math.max(0, ...busiest), totalCpuMs: busiest.reduce((s, v) => s + v, 0) } };
}
