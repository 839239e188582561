// `corral console`'s attachment against a real QEMU guest, with a stand-in terminal: a stdin
// that says it is a TTY and records raw mode, so the detach key (Ctrl-], 0x1d) can be typed.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { attachConsole } from '../src-main/cli/console.ts';
import { Engine } from '../src-main/core/engine.ts';
import { ConsoleText, guestTemplate, readyMarker } from './support/guest.ts';
import { tempDir } from './support/temp.ts';

/** A terminal's stdin as the console sees it: isTTY, and raw mode switched through setRawMode. */
class FakeTtyInput extends PassThrough {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  setRawMode(raw: boolean): this {
    this.rawModes.push(raw);
    return this;
  }
}

function fakeTerminal(stdin: PassThrough) {
  const screen = new ConsoleText();
  let messages = '';
  return { screen, messages: () => messages, terminal: { stdin, stdout: { write: (bytes: Uint8Array) => screen.push(bytes) }, stderr: { write: (text: string) => { messages += text; } } } };
}

describe('corral console on a terminal', () => {
  let root: string;
  let engine: Engine;
  const cache = path.join(process.env.CORRAL_TEST_CACHE ?? '/tmp', 'corral-e2e-cache'); // shared: the accelerator probe runs once

  before(async () => {
    root = await tempDir();
    engine = new Engine({ home: path.join(root, 'home'), cache });
  });

  after(async () => {
    for (const instance of await engine.list().catch(() => [])) await engine.delete(instance.name, { force: true }).catch(() => undefined);
    await engine.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('runs typed commands in raw mode and detaches on Ctrl-], leaving the VM running', async () => {
    await engine.create('tty', { template: await guestTemplate() });
    await engine.start('tty');
    // Start returns once QEMU runs, long before the guest has booted (seconds under TCG)...
    const serialLog = path.join(root, 'home', 'instances', 'tty', 'serial.log');
    assert.ok(!(await fs.readFile(serialLog, 'latin1')).includes(readyMarker), 'start returned before the guest was ready');
    const stdin = new FakeTtyInput();
    const { screen, messages, terminal } = fakeTerminal(stdin);
    const attached = attachConsole(engine, 'tty', terminal);
    await screen.waitFor(readyMarker); // this boot's output so far is replayed on attach
    // ...and the guest ran from then on with no one attached (no display: nothing holds it at
    // -S), yet the console shows this boot from its first byte.
    const firstBytes = (await fs.readFile(serialLog)).subarray(0, 200).toString('utf8');
    assert.ok(firstBytes.length > 0 && screen.text.startsWith(firstBytes), `the console starts with the boot's first output:\n${JSON.stringify(screen.text.slice(0, 200))}`);
    assert.deepEqual(stdin.rawModes, [true], 'raw mode while attached: every key goes to the guest');
    const from = screen.text.length;
    stdin.write('echo $((6*7))\r'); // Enter in raw mode is a carriage return
    await screen.waitFor(/\r?\n42\r?\n/, from);

    // Keys typed before Ctrl-] in the same read still reach the guest; the key itself does not.
    stdin.write(Buffer.concat([Buffer.from('echo typed-$((2+3))\r'), Buffer.from([0x1d])]));
    await attached;
    assert.deepEqual(stdin.rawModes, [true, false], 'raw mode is switched off again');
    assert.match(messages(), /Press Ctrl-\] to detach[\s\S]*Detached \(detached\)/);
    assert.equal(stdin.listenerCount('data'), 0, 'the terminal is let go: later keys go nowhere');
    assert.equal((await engine.inspect('tty')).state, 'Running', 'detaching leaves the VM running');

    // From a pipe (not a TTY): no raw mode, and end of input detaches. It sees the command typed just before the detach.
    const pipe = new PassThrough();
    const second = fakeTerminal(pipe);
    const again = attachConsole(engine, 'tty', second.terminal);
    await second.screen.waitFor(/\r?\ntyped-5\r?\n/);
    pipe.end();
    await again;
    assert.equal(second.messages(), '', 'nothing about raw mode or detach keys on a pipe');
    assert.equal((await engine.inspect('tty')).state, 'Running');
  });

  it('detaches when its output pipe fails (`corral console vm | head`), instead of crashing', async () => {
    await engine.create('epipe', { template: await guestTemplate() });
    await engine.start('epipe');
    const broken = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    await attachConsole(engine, 'epipe', { stdin: new PassThrough(), stdout: broken, stderr: { write: () => undefined } });
    assert.equal((await engine.inspect('epipe')).state, 'Running', 'the VM runs on');
  });
});
