// The console check's side of a serial console: opened the way the engine opens one
// (ConsoleSession), then a command typed at the guest's shell and its answer awaited. Generic
// for any guest with a shell on its serial port: it waits for a prompt (or for output to stop
// arriving) before typing, retypes if the shell was not listening yet, and never sleeps: every
// wait ends on output or on a deadline. The answer is computed by the shell ($((6*7)) -> 42),
// so the terminal's echo of the typed line never counts as one.
import type { InstanceSpec } from '../../../../src-drivers/sdk/protocol.ts';
import { ConsoleSession } from '../../console.ts';
import type { DriverHost } from '../host.ts';
import { CheckFailure, formatSeconds } from './runner.ts';

// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\r/g;
/** A shell prompt at the very end of the output: "# ", "$ ", "~ # ", "user@host:~$ ", "> ". */
const promptAtEnd = /[#$%>][ \t]*$/;

export interface AskOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** How long to wait for a prompt before typing anyway: the first time (boot), and later. */
  firstPromptMs?: number;
  retypeMs?: number;
}

export class ConsoleProbe {
  text = '';
  readonly session: ConsoleSession;
  readonly #waiters = new Set<() => void>();
  #ended: string | undefined;

  private constructor(session: ConsoleSession) {
    this.session = session;
    session.onData((bytes) => {
      this.text += Buffer.from(bytes).toString('utf8');
      this.#wake();
    });
    session.onEnd((reason) => {
      this.#ended = reason;
      this.#wake();
    });
  }

  static async open(host: DriverHost, spec: InstanceSpec, id: string): Promise<ConsoleProbe> {
    return new ConsoleProbe(await ConsoleSession.open(host, spec, id));
  }

  get ended(): string | undefined {
    return this.#ended;
  }

  /** Types `command` at the shell until `answer` shows up; resolves with how many times it typed. */
  async ask(command: string, answer: string, options: AskOptions): Promise<number> {
    const started = performance.now();
    const deadline = started + options.timeoutMs;
    const left = () => deadline - performance.now();
    let from: number | undefined;
    let attempts = 0;
    while (left() > 0) {
      // The guest may still be booting: type once it shows a prompt, or once the wait runs out.
      await this.#until(() => promptAtEnd.test(this.text.replace(ansi, '')), Math.min(left(), attempts === 0 ? options.firstPromptMs ?? 30_000 : 2_000), options.signal);
      from ??= this.text.length;
      this.session.write(new TextEncoder().encode(`${command}\n`));
      attempts++;
      const start = from;
      if (await this.#until(() => this.text.indexOf(answer, start) >= 0, Math.min(left(), options.retypeMs ?? 15_000), options.signal)) return attempts;
    }
    const elapsed = formatSeconds(performance.now() - started);
    if (this.text.length === 0) {
      throw new CheckFailure(`the console showed no output at all in ${elapsed} (typed "${command}" ${attempts} times): guest bytes must flow out on the stream given to openConsole(); `
        + 'is the guest\'s serial console (console=ttyS0) on the port the driver connects?');
    }
    throw new CheckFailure(`typed "${command}" ${attempts} times over ${elapsed}, but "${answer}" never came back; keystrokes written to the stream must reach the guest's serial port. `
      + `The last output was: ${JSON.stringify(this.text.replace(ansi, '').slice(-300))}`);
  }

  /** Resolves true once `predicate` holds (checked on every arrival), false after `ms`. */
  #until(predicate: () => boolean, ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate()) return finish(() => resolve(true));
        if (this.#ended !== undefined) return finish(() => reject(new CheckFailure(`the console stream ended (${this.#ended}) while waiting for the guest; last output: ${JSON.stringify(this.text.slice(-300))}`)));
        if (signal.aborted) return finish(() => reject(new CheckFailure('aborted')));
      };
      const timer = setTimeout(() => finish(() => resolve(predicate())), Math.max(0, ms));
      const onAbort = () => check();
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      signal.addEventListener('abort', onAbort);
      this.#waiters.add(check);
      check();
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}
