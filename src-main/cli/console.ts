// `corral console NAME`: the terminal becomes the guest's serial console. On a TTY the input
// is raw (every key goes to the guest) and Ctrl-] detaches; from a pipe, end of input detaches.
import type { Engine } from '../core/engine.ts';

const detachKey = 0x1d; // Ctrl-]

export async function attachConsole(engine: Engine, name: string): Promise<void> {
  const session = await engine.openConsole(name);
  const stdin = process.stdin;
  const tty = stdin.isTTY;
  if (tty) {
    process.stderr.write(`Attached to ${name}'s serial console. Press Ctrl-] to detach.\r\n`);
    stdin.setRawMode(true);
  }
  const detached = new Promise<string>((resolve) => {
    session.onEnd(resolve);
    stdin.on('data', (chunk: Buffer) => {
      const stop = tty ? chunk.indexOf(detachKey) : -1;
      if (stop >= 0) {
        if (stop > 0) session.write(chunk.subarray(0, stop));
        resolve('detached');
        return;
      }
      session.write(chunk);
    });
    stdin.on('end', () => resolve('end of input'));
  });
  session.onData((bytes) => process.stdout.write(bytes));
  const reason = await detached;
  if (tty) stdin.setRawMode(false);
  stdin.pause();
  await session.close();
  if (tty) process.stderr.write(`\r\nDetached (${reason}).\n`);
}
