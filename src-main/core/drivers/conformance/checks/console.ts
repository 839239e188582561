// The console group: closing a stream the driver never opened is quiet, and the serial
// console of the running guest carries a command to its shell and the answer back.
import { randomBytes } from 'node:crypto';
import { describe } from '../calls.ts';
import type { ConformanceCheck } from '../check.ts';
import { ConsoleProbe } from '../console.ts';
import { CheckFailure } from '../runner.ts';

export const closeUnknown: ConformanceCheck = {
  group: 'console', name: 'close-unknown', title: 'closeConsole() of an unknown stream is not an error', timeoutMs: (t) => t.call, needs: ['handshake/engine'],
  async run(state) {
    try {
      await state.calls.call('closeConsole', 'closeConsole() of a stream id never opened', `conformance-unknown-${randomBytes(4).toString('hex')}`);
    } catch (error) {
      throw new CheckFailure(`${(error as Error).message}; closing a stream the driver does not know must succeed quietly (the engine closes streams that may have ended already)`);
    }
  },
};

export const open: ConformanceCheck = {
  group: 'console', name: 'open', title: 'openConsole() attaches the serial console to a stream', timeoutMs: (t) => t.call, needs: ['lifecycle/start'],
  skipIf: (state) => state.noSerial(),
  async run(state) {
    try {
      state.shell = await ConsoleProbe.open(state.host, state.bare, state.consoleId);
    } catch (error) {
      throw new CheckFailure(`openConsole() of the running instance failed: ${describe(state.calls.remember('openConsole()', error))}`);
    }
  },
};

export const shell: ConformanceCheck = {
  group: 'console', name: 'shell', title: 'the guest\'s shell answers `echo corral-$((6*7))` with corral-42', timeoutMs: (t) => t.console + 5_000, needs: ['console/open'],
  async run(state, { signal }) {
    if (!state.shell) throw new CheckFailure('no console');
    const attempts = await state.shell.ask('echo corral-$((6*7))', 'corral-42', { signal, timeoutMs: state.timeouts.console });
    return attempts > 1 ? `answered on try ${attempts}` : undefined;
  },
};

export const close: ConformanceCheck = {
  group: 'console', name: 'close', title: 'closeConsole() of the open stream succeeds', timeoutMs: (t) => t.call, needs: ['console/open'],
  async run(state) {
    await state.calls.call('closeConsole', 'closeConsole() of the open stream', state.consoleId);
  },
};
