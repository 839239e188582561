// What a screen that paints on animation frames must add to an echo, in this Chromium, with no
// app at all: a plain page with a focused textarea; a key is pressed, and `echoMs` later (as if
// the echo came back then) a DOM change is asked for on the next animation frame. Printed: ms
// from that request to the frame, p50 and p90, per echo delay. Shortly after input Chromium is
// producing frames, so the request waits for the next vsync (about half a frame at p50, a
// frame at worst); once frames have stopped (100 ms on), a frame comes at once. Compare
// "received -> drawn" of console-ui.bench.ts: what the app waits beyond this is ours.
import { setTimeout as delay } from 'node:timers/promises';
import { launchChromium } from '../e2e/ui/browser.ts';
import { median, percentile } from './stats.ts';

const samplesPerDelay = Number(process.env.CORRAL_BENCH_KEYS ?? 30);

export async function run(): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setContent('<textarea id="typed" aria-label="typed"></textarea><div id="drawn">-</div>');
    await page.focus('#typed');
    for (const echoMs of [5, 10, 20, 100]) {
      const waits: number[] = [];
      for (let i = 0; i < samplesPerDelay; i++) {
        // Armed before the key; the trailing 0 keeps evaluate from awaiting the promise.
        await page.evaluate(`globalThis.__frameWait = new Promise((resolve) => {
          document.addEventListener('keydown', () => setTimeout(() => {
            const asked = performance.now();
            requestAnimationFrame(() => { document.getElementById('drawn').textContent = String(Math.random()); resolve(performance.now() - asked); });
          }, ${echoMs}), { once: true });
        }); 0`);
        await page.keyboard.press('a');
        waits.push(await page.evaluate<number>('globalThis.__frameWait'));
        await delay(150); // let frames stop between keys, as between a person's keystrokes
      }
      process.stdout.write(`frame after an echo ${echoMs} ms after the key: p50 ${median(waits).toFixed(1)} ms, p90 ${percentile(waits, 90).toFixed(1)} ms over ${samplesPerDelay} keys\n`);
    }
  } finally {
    await browser.close();
  }
}

if (import.meta.main) await run();
