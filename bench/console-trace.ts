// A Chromium performance trace of keystroke echoes in the web shell's console page, for finding
// where the frame after an echo waits. Boots the test guest, opens the console page, records a
// trace (CDP Tracing: timeline, blink, cc, viz, input, scheduler) while typing CORRAL_BENCH_KEYS
// keys one at a time, each after the last echo was drawn, and writes it to
// test-results/console-trace.json (open it in chrome://tracing or Perfetto). With
// CORRAL_TRACE_PAGE=baseline, the same in console-ui.bench.ts's plain xterm page on a bare relay
// of the serial socket (test-results/console-trace-baseline.json), for comparison.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { CDPSession, Page } from 'playwright-core';
import { startServer } from '../src-main/server/server.ts';
import { launchChromium } from '../e2e/ui/browser.ts';
import { ensureRendererBuilt } from '../e2e/ui/renderer-build.ts';
import { serveBaselinePage } from './console-baseline-page.ts';
import { bootGuest, createGuest } from './guest-vm.ts';

const keys = Number(process.env.CORRAL_BENCH_KEYS ?? 20);
const categories = [
  'devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.frame',
  'blink', 'cc', 'viz', 'input', 'renderer.scheduler', 'disabled-by-default-renderer.scheduler', 'toplevel', 'benchmark', 'gpu', 'latencyInfo', 'blink.user_timing',
];

/** The little of the DOM the page function uses (the bench is type-checked without DOM types). */
interface PageGlobals { document: { querySelector(selector: string): { textContent: string | null } | null } }
const rowsInclude = (needle: string): boolean =>
  ((globalThis as unknown as PageGlobals).document.querySelector('[data-testid="terminal"] .xterm-rows')?.textContent ?? '').includes(needle);

/** Marks (user timing, in the trace) each WebSocket message in and out by its type, and each animation frame asked for. */
const markMessages = `(() => {
  const Native = WebSocket;
  const typeOf = (data) => typeof data === 'string' ? (/"type":"([^"]+)"/.exec(data)?.[1] ?? 'text') : 'binary';
  globalThis.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => performance.mark('ws-in ' + typeOf(event.data)));
    }
    send(data) {
      performance.mark('ws-out ' + typeOf(data));
      return super.send(data);
    }
  };
})()`;

/** Records a trace around `work` and returns Chromium's trace events. */
export async function traced(cdp: CDPSession, work: () => Promise<void>): Promise<unknown[]> {
  await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: categories } });
  await work();
  const complete = new Promise<string>((resolve) => cdp.once('Tracing.tracingComplete', (event) => resolve(event.stream ?? '')));
  await cdp.send('Tracing.end');
  const stream = await complete;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const parsed = JSON.parse(text) as { traceEvents?: unknown[] } | unknown[];
  return Array.isArray(parsed) ? parsed : parsed.traceEvents ?? [];
}

/** Types `count` letters on a fresh comment line, each after the previous one's echo is on screen. */
export async function typeEchoes(page: Page, count: number): Promise<void> {
  let line = `#${Math.random().toString(36).slice(2, 8)}`;
  await page.keyboard.type(line);
  await page.waitForFunction(rowsInclude, line, { timeout: 10_000 });
  for (let i = 0; i < count; i++) {
    const key = 'abcdefghijklmnopqrstuvwxyz'[i % 26] ?? 'a';
    line += key;
    await page.keyboard.press(key);
    await page.waitForFunction(rowsInclude, line, { timeout: 10_000, polling: 100 }); // not 'raf': that keeps frames coming
    await delay(150); // as between a person's keystrokes: frames stop in between
  }
  await page.keyboard.press('Enter');
}

export async function run(): Promise<void> {
  const staticDir = await ensureRendererBuilt();
  const guest = await createGuest('consoletrace');
  const server = await startServer({ engine: guest.engine, port: 0, staticDir }).catch(async (error: unknown) => { await guest.dispose(); throw error; });
  const browser = await launchChromium();
  try {
    const booted = await bootGuest(guest);
    booted.off();
    await booted.session.close();
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    await context.addInitScript(markMessages);
    const page = await context.newPage();
    const baselineRun = process.env.CORRAL_TRACE_PAGE === 'baseline';
    const baseline = baselineRun ? await serveBaselinePage(guest.serialSocket, { cols: 110, rows: 29 }) : undefined;
    if (baseline) {
      await page.goto(baseline.url);
      await page.waitForSelector('body[data-relay="open"]', { timeout: 30_000 });
    } else {
      await page.goto(server.url);
      await page.goto(`http://127.0.0.1:${server.port}/#/instances/${guest.name}/console`);
    }
    await page.getByTestId('terminal').locator('.xterm-rows').waitFor({ state: 'attached', timeout: 30_000 });
    await page.getByTestId('terminal').click();
    await typeEchoes(page, 5); // warm up
    const cdp = await context.newCDPSession(page);
    const events = await traced(cdp, () => typeEchoes(page, keys));
    await page.close();
    await baseline?.close();
    const file = path.resolve('test-results', baselineRun ? 'console-trace-baseline.json' : 'console-trace.json');
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, JSON.stringify({ traceEvents: events }));
    process.stdout.write(`${events.length} trace events in ${file}\n`);
  } finally {
    await browser.close();
    await server.close();
    await guest.dispose();
  }
}

if (import.meta.main) await run();
