// `corral console NAME`: the terminal becomes the guest's serial console. On a TTY the input
// is raw (every key goes to the guest) and Ctrl-] detaches; from a pipe, end of input detaches.
import type { Readable } from 'node:stream';
import type { Engine } from '../core/engine.ts';

const detachKey = 0x1d; // Ctrl-]

/** Where a console is attached: the process's own stdio, or a stand-in (tests). */
export interface ConsoleTerminal {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** `on('error')`: a pipe whose reader went away (`corral console vm | head`) fails with EPIPE. */
  stdout: { write(bytes: Uint8Array): unknown; on?(event: 'error', listener: (error: Error) => void): unknown };
  stderr: { write(text: string): unknown };
}

function processTerminal(): ConsoleTerminal {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** Resolves when the user detaches (Ctrl-] on a TTY, end of input otherwise) or the console ends. */
export async function attachConsole(engine: Engine, name: string, terminal: ConsoleTerminal = processTerminal()): Promise<void> {
  const session = await engine.openConsole(name);
  const { stdin, stdout, stderr } = terminal;
  const raw = stdin.isTTY === true && stdin.setRawMode !== undefined;
  if (raw) {
    stderr.write(`Attached to ${name}'s serial console. Press Ctrl-] to detach.\r\n`);
    stdin.setRawMode?.(true);
  }
  let detach: (reason: string) => void = () => undefined;
  const detached = new Promise<string>((resolve) => {
    detach = resolve;
  });
  const typed = (chunk: Buffer): void => {
    const stop = raw ? chunk.indexOf(detachKey) : -1;
    if (stop < 0) return void session.write(chunk);
    if (stop > 0) void session.write(chunk.subarray(0, stop)); // what was typed before the key still goes
    detach('detached');
  };
  const ended = (): void => detach('end of input');
  // Unheard, the pipe's error would end the process with a stack trace; it detaches instead.
  const outputFailed = (error: Error): void => detach(`the output failed: ${error.message}`);
  stdout.on?.('error', outputFailed);
  const stopEnd = session.onEnd(detach);
  let outputOpen = true;
  const stopOutput = session.onData((bytes) => {
    if (outputOpen) stdout.write(bytes);
  });
  stdin.on('data', typed);
  stdin.on('end', ended);
  let reason: string;
  try {
    reason = await detached;
  } finally {
    // The terminal goes back to how it was, whatever ended the session.
    stdin.off('data', typed);
    stdin.off('end', ended);
    if (raw) stdin.setRawMode?.(false);
    stdin.pause();
    outputOpen = false;
    stopOutput(); // the error listener stays: a failed pipe may report again after this
    stopEnd();
    await session.close();
  }
  if (raw) stderr.write(`\r\nDetached (${reason}).\n`);
}
