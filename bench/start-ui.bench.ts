// Start from the web shell, as a user does it: a click on Start on the instance page in Debian's
// Chromium (`corral serve` in this process, its engine and driver process already warm, as
// they are in a running app), to the tiny guest's ready marker in serial.log; against the same
// QEMU command line spawned directly, to the same marker. Rounds interleaved. Goal: <= 1.1x.
// Timed from the click event the page receives (its wall clock, as the marker's), not from the
// call to Playwright's click(): that first waits for the button to be visible, enabled and stable
// over two animation frames, harness time no user spends (also printed, for comparison).
import fs from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { startServer } from '../src-main/server/server.ts';
import type { RunningServer } from '../src-main/server/server.ts';
import { launchChromium } from '../e2e/ui/browser.ts';
import { bareBoot, killVm, markerIn } from './boot-marker.ts';
import { warmGuestForClicks } from './start-ui-guest.ts';
import { median, report } from './stats.ts';

const rounds = Number(process.env.CORRAL_BENCH_MARKER_ROUNDS ?? 3);

export async function run(): Promise<void> {
  const { staticDir, guest, argv } = await warmGuestForClicks('startui');
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    server = await startServer({ engine: guest.engine, port: 0, staticDir });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url); // trades the token for the cookie
    await page.goto(`http://127.0.0.1:${server.port}/#/instances/${encodeURIComponent(guest.name)}`);
    const startButton = page.getByRole('button', { name: `Start ${guest.name}`, exact: true });
    // Every click's wall-clock time, seen first (capture phase) by the page itself.
    await page.evaluate(() => {
      const page = globalThis as unknown as { corralClickAt?: number; document: { addEventListener(type: string, listener: () => void, capture: boolean): void } };
      page.document.addEventListener('click', () => { page.corralClickAt = performance.timeOrigin + performance.now(); }, true);
    });
    const clickedAt = () => page.evaluate(() => (globalThis as unknown as { corralClickAt?: number }).corralClickAt ?? Number.NaN);

    const ui: number[] = [];
    const fromCall: number[] = [];
    const bare: number[] = [];
    // Playwright's first action on a page injects and compiles its own scripts there (300 to 400 ms
    // of renderer CPU in start-ui-trace, beside the booting VM, which no user's click costs): a
    // trial click (its checks, no click) does that before the first round.
    await startButton.click({ trial: true });
    for (let round = 0; round < rounds; round++) {
      await startButton.waitFor({ state: 'visible', timeout: 30_000 });
      await page.waitForFunction((name) => {
        const button = (globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } | null } }).document
          .querySelector(`button[aria-label="Start ${name}"]`);
        return button !== null && !button.disabled;
      }, guest.name, { timeout: 30_000 });
      await fs.rm(guest.serialLog, { force: true }); // the last boot's log has the marker too
      const marker = markerIn(guest.serialLog);
      await page.evaluate(() => { (globalThis as unknown as { corralClickAt?: number }).corralClickAt = undefined; }); // no earlier round's click
      const t = performance.now();
      await startButton.click();
      try {
        const seen = await marker.seen;
        fromCall.push(seen - t);
        ui.push(performance.timeOrigin + seen - (await clickedAt()));
      } finally {
        marker.cancel();
        await guest.engine.stop(guest.name, { force: true }).catch(() => undefined);
        await killVm(guest);
      }
      bare.push((await bareBoot(guest, argv)).markerMs);
      if (process.env.CORRAL_BENCH_VERBOSE) process.stderr.write(`round ${round}: click ${ui.at(-1)?.toFixed(0)} ms (from the click() call ${fromCall.at(-1)?.toFixed(0)}), bare ${bare.at(-1)?.toFixed(0)} ms\n`);
    }
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    report('start to the guest\'s ready marker: a click on Start in the web shell vs direct qemu spawn', median(ui) / median(bare), '<= 1.1x',
      `median ${ms(median(ui))} vs ${ms(median(bare))} over ${rounds} rounds (from the call to Playwright's click(): ${ms(median(fromCall))}, ${(median(fromCall) / median(bare)).toFixed(2)}x)`);
  } finally {
    await browser?.close();
    await server?.close();
    await guest.dispose();
  }
}

if (import.meta.main) await run();
