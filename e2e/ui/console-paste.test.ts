// Big pastes into the serial console through the web shell in Chromium. A paste reaches xterm
// as one onData call; the page cuts it into pieces under the engine's per-write limit and
// sends the next only as the engine answers for earlier ones (console-written), which the
// engine does once the driver's socket took the bytes. So no frame nears the WebSocket limit,
// the bytes arrive intact and in order, and the server keeps answering meanwhile.
//   - 1.6 MB into the console fixture's sink: a real unix socket whose peer hashes the bytes.
//   - 128 KB into the real QEMU test guest (its emulated serial line takes about 6-8 KB/s
//     under TCG here, so 1.6 MB would take minutes), in a raw, silent tty (`stty raw -echo`:
//     a canonical line holds at most 4096 bytes, and an echo would double the work).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page, WebSocket as PageSocket } from 'playwright-core';
import type { DriverEntry } from '../../src-main/core/drivers/host.ts';
import { readyMarker, writeGuestTemplate } from '../support/guest.ts';
import { writeTemplate } from '../support/temp.ts';
import { consoleDriver, shows } from './scripted-shell.ts';
import { openWebShell } from './web-shell-fixture.ts';

const frameLimit = 2 * 1024 * 1024;
const pieceLimit = 16 * 1024;
const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache');

/** The pasted text: printable, no newlines, varied enough that a lost or swapped piece changes the hash. */
function pasteText(length: number): string {
  let text = '';
  for (let i = 0; text.length < length; i++) text += `${i.toString(36)}:`;
  return text.slice(0, length);
}

/** What the page sent and was answered on its console, from the WebSocket frames Chromium saw. */
class Frames {
  sizes: number[] = [];
  /** Most console bytes sent and not yet answered, at any moment. */
  mostUnanswered = 0;
  #unanswered = 0;

  watch(page: Page): void {
    page.on('websocket', (socket: PageSocket) => {
      socket.on('framesent', ({ payload }) => {
        const text = String(payload);
        this.sizes.push(text.length);
        const message = JSON.parse(text) as { type: string; data?: string };
        if (message.type !== 'console-write' || message.data === undefined) return;
        this.#unanswered += Buffer.from(message.data, 'base64').length;
        this.mostUnanswered = Math.max(this.mostUnanswered, this.#unanswered);
      });
      socket.on('framereceived', ({ payload }) => {
        const message = JSON.parse(String(payload)) as { type: string; bytes?: number };
        if (message.type === 'console-written') this.#unanswered -= message.bytes ?? 0;
      });
    });
  }
}

/** Pastes `length` bytes of pasteText into the terminal as a user's paste: one ClipboardEvent on xterm's textarea. */
async function paste(page: Page, length: number): Promise<void> {
  await page.evaluate(`(() => {
    let text = '';
    for (let i = 0; text.length < ${length}; i++) text += i.toString(36) + ':';
    const data = new DataTransfer();
    data.setData('text/plain', text.slice(0, ${length}));
    document.querySelector('.xterm-helper-textarea').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  })()`);
}

/** A web shell on a fresh engine with `instance` running, and a Chromium page on its console. */
async function consoleOf(instance: string, template: (root: string) => Promise<string>, extraDrivers: DriverEntry[] = []) {
  // Only page errors count here, as before the fixture: console messages are not this spec's concern.
  const shell = await openWebShell({ engine: { cache, extraDrivers }, context: { viewport: { width: 1100, height: 700 } }, expectedConsoleErrors: /./ });
  const { engine, page } = shell;
  try {
    await engine.create(instance, { template: await template(shell.root) });
    await engine.start(instance);
    const frames = new Frames();
    frames.watch(page);
    await page.goto(shell.server.url);
    await page.getByRole('link', { name: instance }).click();
    // The console has its own tab on the instance page, as a user would find it.
    await page.getByRole('tab', { name: 'Console' }).click();
    return {
      page, frames, pageErrors: shell.pageErrors, terminal: page.getByTestId('terminal'),
      close: () => shell.close(),
    };
  } catch (error) {
    await shell.close(); // a failed start leaves no VM, server or browser behind
    throw error;
  }
}

type Console = Awaited<ReturnType<typeof consoleOf>>;

/** The checks both pastes share: pieces under the limit, a bounded number unanswered, no page errors. */
function checkPacing(shell: Console, frames: number[], bytes: number, seconds: number, what: string): void {
  const biggest = Math.max(...frames);
  process.stdout.write(`# ${what}: ${bytes} bytes in ${seconds.toFixed(1)} s (${Math.round(bytes / 1024 / seconds)} KiB/s), ${frames.length} frames, largest ${biggest} bytes, at most ${shell.frames.mostUnanswered} bytes unanswered\n`);
  assert.ok(frames.length >= bytes / pieceLimit, `the paste went out in pieces (${frames.length} frames)`);
  assert.ok(biggest < frameLimit / 50, `every frame well under the ${frameLimit}-byte limit (largest ${biggest})`);
  assert.ok(shell.frames.mostUnanswered <= 4 * pieceLimit, `paced: at most 4 pieces unanswered (${shell.frames.mostUnanswered} bytes)`);
  assert.deepEqual(shell.pageErrors, []);
}

describe('console paste: 1.6 MB into a socket peer (console fixture)', () => {
  let shell: Console;
  const bytes = 1_600_000;
  before(async () => {
    shell = await consoleOf('sink', (root) => writeTemplate(root, { vmType: 'console-fixture', cpus: 1, memory: '256MiB', disk: '1GiB' }), [consoleDriver]);
  });
  after(async () => shell?.close());

  it('arrives intact and in order, paced, with the server answering meanwhile', { timeout: 120_000 }, async () => {
    const { page, terminal } = shell;
    await shows(page.getByRole('status'), 'Serial console attached');
    await terminal.click();
    await page.keyboard.type(`sink ${bytes}\n`);
    await shows(terminal, 'sink ready');
    const before = shell.frames.sizes.length;
    const started = Date.now();
    await paste(page, bytes);
    const status = await page.evaluate(async () => (await fetch('/api/listInstances', { method: 'POST', body: '{}' })).status);
    assert.equal(status, 200, 'the server answers while the paste flows');
    await shows(terminal, `sink: ${bytes} bytes md5 ${createHash('md5').update(pasteText(bytes)).digest('hex')}`, 100_000);
    checkPacing(shell, shell.frames.sizes.slice(before), bytes, (Date.now() - started) / 1000, 'paste into the fixture socket');
  });
});

describe('console paste: 128 KB into the QEMU test guest', () => {
  let shell: Console;
  const bytes = 128 * 1024;
  before(async () => {
    shell = await consoleOf('paste', (root) => writeGuestTemplate(root));
  });
  after(async () => shell?.close());

  it('arrives in the guest intact and in order, paced', { timeout: 240_000 }, async () => {
    const { page, terminal } = shell;
    await shows(terminal, readyMarker, 90_000);
    await terminal.click();
    // READY-2 is printed, not typed: it shows once the line is raw and head is about to read.
    await page.keyboard.type(`stty raw -echo; echo READY-$((1+1)); head -c ${bytes} > /tmp/x; stty sane; echo; wc -c < /tmp/x; md5sum /tmp/x\n`);
    await shows(terminal, 'READY-2', 30_000);
    const before = shell.frames.sizes.length;
    const started = Date.now();
    await paste(page, bytes);
    await shows(terminal, createHash('md5').update(pasteText(bytes)).digest('hex'), 180_000);
    await shows(terminal, String(bytes));
    checkPacing(shell, shell.frames.sizes.slice(before), bytes, (Date.now() - started) / 1000, 'paste into the QEMU guest');
  });
});
