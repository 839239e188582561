// `ss` run by one long-lived shell that the driver feeds commands, instead of a process the
// driver spawns for every sample: a spawn from the driver (a Node process of ~60 MiB, no
// optimising compiler) cost it about 13 ms CPU per sample, each second beside a booting guest
// that holds a connection (bench/stats-sample-cost.ts); the shell's own fork of `ss` is cheap.
// The shell reads its commands from our pipe, so it ends with the driver; it does not keep the
// driver alive. `ss` is looked up on the PATH of the moment, as a spawn per run did.
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';

const endMark = '__corral_ss_end';
const answerTimeoutMs = 5_000;

interface Shell {
  child: ChildProcessByStdio<Writable, Readable, null>;
  path: string | undefined;
  /** The answer being read, with what arrived of it so far. */
  reading: { output: string; done: (output: string | undefined) => void } | undefined;
}

let shell: Shell | undefined;
/** Runs one after another: the shell answers in order, one command at a time. */
let queue: Promise<unknown> = Promise.resolve();

function startShell(): Shell {
  const child = spawn('/bin/sh', [], { stdio: ['pipe', 'pipe', 'ignore'] });
  const started: Shell = { child, path: process.env.PATH, reading: undefined };
  const gone = (): void => {
    if (shell === started) shell = undefined;
    started.reading?.done(undefined);
    started.reading = undefined;
  };
  child.on('error', gone);
  child.on('exit', gone);
  child.stdin.on('error', gone); // EPIPE: the shell died before reading
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const reading = started.reading;
    if (!reading) return;
    reading.output += chunk;
    const end = new RegExp(`(?:^|\\n)${endMark} (\\d+)\\n$`).exec(reading.output);
    if (!end) return;
    started.reading = undefined;
    reading.done(end[1] === '0' ? reading.output.slice(0, end.index + 1) : undefined);
  });
  // The pipes are sockets: unreferenced, they let the driver exit while the shell waits.
  child.unref();
  (child.stdin as Socket).unref();
  (child.stdout as Socket).unref();
  return started;
}

function askShell(args: readonly string[]): Promise<string | undefined> {
  if (shell && shell.path !== process.env.PATH) {
    shell.child.kill();
    shell = undefined;
  }
  const current = shell ?? (shell = startShell());
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      current.child.kill(); // a hung ss: the next run gets a new shell
      finish(undefined);
    }, answerTimeoutMs);
    timer.unref();
    const finish = (output: string | undefined): void => {
      clearTimeout(timer);
      resolve(output);
    };
    current.reading = { output: '', done: finish };
    current.child.stdin.write(`ss ${args.join(' ')} 2>/dev/null; echo "${endMark} $?"\n`);
  });
}

/** `ss ARGS`' output, or undefined where `ss` is missing or failed. ARGS are plain flags (no quoting). */
export function runSs(args: readonly string[]): Promise<string | undefined> {
  const answer = queue.then(() => askShell(args));
  queue = answer;
  return answer;
}
