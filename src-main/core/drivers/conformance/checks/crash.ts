// The crash group: the driver process is killed (SIGKILL) while its VM runs, and a fresh
// process must find the VM from the instance folder, not from memory, console included.
import { randomBytes } from 'node:crypto';
import { describe } from '../calls.ts';
import type { ConformanceCheck } from '../check.ts';
import { ConsoleProbe } from '../console.ts';
import { CheckFailure } from '../runner.ts';
import { stateOf } from '../state.ts';

export const reattach: ConformanceCheck = {
  group: 'crash', name: 'reattach', title: 'after SIGKILL of the driver, a fresh process sees the VM Running', timeoutMs: (t) => t.handshake + t.call * 2,
  needs: ['lifecycle/inspect-running'],
  async run(state, { step }) {
    step('killing the driver process');
    const before = await state.host.pid();
    await state.host.kill();
    step('inspect() on a fresh driver process');
    const result = await state.inspect('inspect() on a fresh driver process after a crash');
    const after = await state.host.pid();
    const started = state.startResult?.pid;
    if (result.state !== 'Running') {
      throw new CheckFailure(`after the driver process (pid ${before}) was killed, a fresh process (pid ${after}) says the VM is ${stateOf(result)}; expected Running (pid ${started}). `
        + 'A VM must outlive its driver, and any method may be a fresh process\'s first call: find the VM from the instance folder (pid file, sockets), not from memory');
    }
    if (result.pid !== undefined && started !== undefined && result.pid !== started) throw new CheckFailure(`a fresh process says the VM runs as pid ${result.pid}, but it was started as pid ${started}`);
    return `driver pid ${before} killed; pid ${after} sees the VM Running`;
  },
};

export const reattachConsole: ConformanceCheck = {
  group: 'crash', name: 'reattach-console', title: 'the console works through the fresh process', timeoutMs: (t) => t.console + t.call,
  needs: ['crash/reattach', 'console/shell'], skipIf: (state) => state.noSerial(),
  async run(state, { signal, step }) {
    const id = `conformance-again-${randomBytes(4).toString('hex')}`;
    step('openConsole() on the fresh process');
    let again: ConsoleProbe;
    try {
      again = await ConsoleProbe.open(state.host, state.bare, id);
    } catch (error) {
      throw new CheckFailure(`openConsole() on the fresh driver process failed: ${describe(state.calls.remember('openConsole() after a crash', error))}`);
    }
    try {
      step('the shell\'s answer');
      await again.ask('echo corral-again-$((7*8))', 'corral-again-56', { signal, timeoutMs: state.timeouts.console, firstPromptMs: 5_000 });
    } finally {
      await again.session.close();
    }
  },
};
