// Start from the web shell, as a user does it: a click on Start on the instance page in Debian's
// Chromium (`corral serve` in this process, its engine and driver process already warm, as
// they are in a running app), to the tiny guest's ready marker in serial.log; against the same
// QEMU command line spawned directly, to the same marker. Rounds interleaved. Goal: <= 1.1x.
import fs from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { startServer } from '../src-main/server/server.ts';
import type { RunningServer } from '../src-main/server/server.ts';
import { launchChromium } from '../e2e/ui/browser.ts';
import { ensureRendererBuilt } from '../e2e/ui/renderer-build.ts';
import { bareBoot, cmdline, killVm, markerIn } from './boot-marker.ts';
import { createGuest, waitForExit } from './guest-vm.ts';
import { median, report } from './stats.ts';
import { startedPid } from '../src-drivers/sdk/test-support/started.ts';

const rounds = Number(process.env.CORRAL_BENCH_MARKER_ROUNDS ?? 3);

export async function run(): Promise<void> {
  const staticDir = await ensureRendererBuilt();
  const guest = await createGuest('startui');
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  try {
    // Warms the accelerator choice and the driver process, and gives the VM's own argv.
    const pid = startedPid(await guest.engine.start(guest.name));
    guest.pids.add(pid);
    const argv = await cmdline(pid);
    await guest.engine.stop(guest.name, { force: true });
    await waitForExit(pid);

    server = await startServer({ engine: guest.engine, port: 0, staticDir });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(server.url); // trades the token for the cookie
    await page.goto(`http://127.0.0.1:${server.port}/#/instances/${encodeURIComponent(guest.name)}`);
    const startButton = page.getByRole('button', { name: `Start ${guest.name}`, exact: true });

    const ui: number[] = [];
    const bare: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await startButton.waitFor({ state: 'visible', timeout: 30_000 });
      await page.waitForFunction((name) => {
        const button = (globalThis as unknown as { document: { querySelector(s: string): { disabled: boolean } | null } }).document
          .querySelector(`button[aria-label="Start ${name}"]`);
        return button !== null && !button.disabled;
      }, guest.name, { timeout: 30_000 });
      await fs.rm(guest.serialLog, { force: true }); // the last boot's log has the marker too
      const marker = markerIn(guest.serialLog);
      const t = performance.now();
      await startButton.click();
      try {
        ui.push((await marker.seen) - t);
      } finally {
        marker.cancel();
        await guest.engine.stop(guest.name, { force: true }).catch(() => undefined);
        await killVm(guest);
      }
      bare.push((await bareBoot(guest, argv)).markerMs);
      if (process.env.CORRAL_BENCH_VERBOSE) process.stderr.write(`round ${round}: click ${ui.at(-1)?.toFixed(0)} ms, bare ${bare.at(-1)?.toFixed(0)} ms\n`);
    }
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    report('start to the guest\'s ready marker: a click on Start in the web shell vs direct qemu spawn', median(ui) / median(bare), '<= 1.1x',
      `median ${ms(median(ui))} vs ${ms(median(bare))} over ${rounds} rounds`);
  } finally {
    await browser?.close();
    await server?.close();
    await guest.dispose();
  }
}

if (import.meta.main) await run();
