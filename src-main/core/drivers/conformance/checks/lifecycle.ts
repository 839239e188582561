// The lifecycle group: validate, create (in a staging folder renamed into place, relocatable,
// idempotent), inspect before and after start, start twice and delete while running refused,
// pause and resume, graceful and forced stop, a restart, and delete removing every file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ConformanceCheck } from '../check.ts';
import { fileMentions, filesUnder, list } from '../files.ts';
import { CheckFailure, formatSeconds } from '../runner.ts';
import { stateOf } from '../state.ts';
import type { ConformanceState } from '../state.ts';

export const validate: ConformanceCheck = {
  group: 'lifecycle', name: 'validate', title: 'validate() accepts the guest spec', timeoutMs: (t) => t.call, needs: ['handshake/engine'],
  blocked: (state) => state.needsGuest(),
  async run(state) {
    await state.calls.call('validate', 'validate() of the guest spec', state.full);
  },
};

export const create: ConformanceCheck = {
  group: 'lifecycle', name: 'create', title: 'create() in a staging folder, renamed into place as the engine does', timeoutMs: (t) => t.create, needs: ['lifecycle/validate'],
  async run(state, { step }) {
    state.staging = path.join(state.paths.instances, `.creating-${state.name}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(state.staging, { recursive: true });
    step('create()');
    state.createAttempted = true;
    await state.calls.call('create', 'create()', { ...state.full, dir: state.staging });
    state.createdFiles = await filesUnder(state.staging);
    await fs.rename(state.staging, state.dir);
    return `made ${list(state.createdFiles)}`;
  },
};

export const createRelocatable: ConformanceCheck = {
  group: 'lifecycle', name: 'create-relocatable', title: 'the files create() made do not record its folder', timeoutMs: (t) => t.call, needs: ['lifecycle/create'],
  async run(state) {
    const recording: string[] = [];
    for (const file of state.createdFiles) if (await fileMentions(path.join(state.dir, file), state.staging)) recording.push(file);
    if (recording.length > 0) {
      throw new CheckFailure(`${recording.join(', ')} record${recording.length === 1 ? 's' : ''} the folder create() ran in (${state.staging}); the engine runs create() in a staging folder and renames it, so that path is gone when the VM starts: record no path of spec.dir in the files`);
    }
    return state.createdFiles.length > 0 ? `${state.createdFiles.length} file(s) checked` : 'create() made no files';
  },
};

export const createIdempotent: ConformanceCheck = {
  group: 'lifecycle', name: 'create-idempotent', title: 'create() again succeeds and changes nothing', timeoutMs: (t) => t.create, needs: ['lifecycle/create'],
  async run(state) {
    try {
      await state.calls.call('create', 'a second create()', state.full);
    } catch (error) {
      throw new CheckFailure(`${(error as Error).message}; create() must be idempotent: the engine calls it again before every start`);
    }
    const after = await filesUnder(state.dir);
    const added = after.filter((f) => !state.createdFiles.includes(f));
    const removed = state.createdFiles.filter((f) => !after.includes(f));
    if (added.length + removed.length > 0) throw new CheckFailure(`a second create() changed the instance folder (added ${list(added)}; removed ${list(removed)}); it must leave what the first one made`);
  },
};

export const inspectStopped: ConformanceCheck = {
  group: 'lifecycle', name: 'inspect-stopped', title: 'inspect() of a created, never started instance: Stopped', timeoutMs: (t) => t.call, needs: ['lifecycle/create'],
  async run(state) {
    const result = await state.inspect('inspect() of a never started instance');
    if (result.state !== 'Stopped') {
      throw new CheckFailure(`inspect() of an instance that was created but never started says ${stateOf(result)}; expected Stopped. State must come from live facts (a process, the hypervisor), never from a stored flag`);
    }
  },
};

export const start: ConformanceCheck = {
  group: 'lifecycle', name: 'start', title: 'start() runs the VM and returns its pid', timeoutMs: (t) => t.start, needs: ['lifecycle/create'],
  async run(state, { step }) {
    step('start()');
    state.startAttempted = true;
    const result = await state.calls.call('start', 'start()', await state.startSpec());
    state.startResult = result;
    return `${result.pid === undefined ? 'no pid reported' : `pid ${result.pid}`}, accelerator ${result.accelerator}${result.acceleratorNote ? ` (${result.acceleratorNote})` : ''}`;
  },
};

export const inspectRunning: ConformanceCheck = {
  group: 'lifecycle', name: 'inspect-running', title: 'inspect() after start: Running, with its pid', timeoutMs: (t) => t.call, needs: ['lifecycle/start'],
  async run(state) {
    const result = await state.inspect('inspect() of the started instance');
    if (result.state !== 'Running') throw new CheckFailure(`inspect() right after start() returned says ${stateOf(result)}; expected Running: start() returns once the VM runs`);
    if (result.pid !== undefined && state.startResult?.pid !== undefined && result.pid !== state.startResult.pid) throw new CheckFailure(`inspect() says pid ${result.pid}, but start() returned pid ${state.startResult?.pid}`);
    return result.pid === undefined ? 'Running (no pid given)' : `Running, pid ${result.pid}`;
  },
};

export const startTwice: ConformanceCheck = {
  group: 'lifecycle', name: 'start-twice', title: 'start() of a running instance: INVALID_STATE', timeoutMs: (t) => t.start, needs: ['lifecycle/start'],
  async run(state) {
    await state.calls.refuse('INVALID_STATE', 'the VM runs already, and a second start() must not boot a second VM on the same disk', 'start', 'start() of a running instance', state.full);
  },
};

export const deleteRunning: ConformanceCheck = {
  group: 'lifecycle', name: 'delete-running', title: 'delete() of a running instance: INVALID_STATE, VM untouched', timeoutMs: (t) => t.call * 2, needs: ['lifecycle/start'],
  async run(state) {
    await state.calls.refuse('INVALID_STATE', 'the contract says the VM must be stopped first; deleting a running VM\'s disk destroys it', 'delete', 'delete() of a running instance', state.bare);
    const result = await state.inspect('inspect() after the refused delete()');
    if (result.state !== 'Running') throw new CheckFailure(`delete() was refused, but afterwards inspect() says ${stateOf(result)}; a refused call must leave the VM as it was`);
  },
};

export const pause: ConformanceCheck = {
  group: 'lifecycle', name: 'pause', title: 'pause(): inspect says Paused', timeoutMs: (t) => t.call * 2, needs: ['lifecycle/start'],
  skipIf: (state) => state.noPause(),
  async run(state) {
    await state.calls.call('pause', 'pause()', state.bare);
    const result = await state.inspect('inspect() after pause()');
    if (result.state !== 'Paused') throw new CheckFailure(`after pause() returned, inspect() says ${stateOf(result)}; expected Paused`);
  },
};

export const resume: ConformanceCheck = {
  group: 'lifecycle', name: 'resume', title: 'resume(): inspect says Running', timeoutMs: (t) => t.call * 2, needs: ['lifecycle/pause'],
  async run(state, { step }) {
    step('resume()');
    await state.calls.call('resume', 'resume()', state.bare);
    const result = await state.inspect('inspect() after resume()');
    if (result.state !== 'Running') throw new CheckFailure(`after resume() returned, inspect() says ${stateOf(result)}; expected Running`);
  },
};

/** Stops the VM and checks inspect() says Stopped; reports how long it took and what the driver warned about. */
async function stopAndCheck(state: ConformanceState, force: boolean): Promise<string> {
  const { gracefulStop } = state.timeouts;
  const begun = performance.now();
  const mark = state.events.length;
  const label = force ? 'stop({ force: true })' : `stop({ force: false, timeoutMs: ${gracefulStop} })`;
  await state.calls.call('stop', label, state.bare, { force, timeoutMs: gracefulStop });
  const took = performance.now() - begun;
  const result = await state.inspect(`inspect() after ${label}`);
  if (result.state !== 'Stopped') throw new CheckFailure(`after ${label} returned, inspect() says ${stateOf(result)}; expected Stopped: stop() returns once the VM is gone${force ? '' : ' (ended by force after timeoutMs if the guest does not power off)'}`);
  const said = state.events.slice(mark).flatMap((e) => (e.type === 'log' && e.level !== 'info' ? [e.message] : []));
  return `stopped in ${formatSeconds(took)}${said.length > 0 ? `; the driver said: ${said.join('; ')}` : ''}`;
}

export const stop: ConformanceCheck = {
  group: 'lifecycle', name: 'stop', title: 'stop() (graceful, forced after its timeout): Stopped', timeoutMs: (t) => t.gracefulStop + t.call * 2, needs: ['lifecycle/start'],
  async run(state, { step }) {
    step(`stop() with timeoutMs ${state.timeouts.gracefulStop}`);
    return stopAndCheck(state, false);
  },
};

export const restart: ConformanceCheck = {
  group: 'lifecycle', name: 'restart', title: 'create() and start() again after a stop: Running', timeoutMs: (t) => t.create + t.start + t.call, needs: ['lifecycle/stop'],
  async run(state, { step }) {
    step('create() before the restart');
    await state.calls.call('create', 'create() before a restart', state.full);
    step('start() after a stop');
    const again = await state.calls.call('start', 'start() after a stop', await state.startSpec());
    state.startResult = again;
    const result = await state.inspect('inspect() after the restart');
    if (result.state !== 'Running') throw new CheckFailure(`after start() of a stopped instance, inspect() says ${stateOf(result)}; expected Running`);
    return again.pid === undefined ? 'Running' : `pid ${again.pid}`;
  },
};

export const stopForce: ConformanceCheck = {
  group: 'lifecycle', name: 'stop-force', title: 'stop({ force: true }): Stopped', timeoutMs: (t) => t.call * 3, needs: ['lifecycle/restart'],
  async run(state, { step }) {
    step('stop({ force: true })');
    return stopAndCheck(state, true);
  },
};

export const remove: ConformanceCheck = {
  group: 'lifecycle', name: 'delete', title: 'delete() removes every file the driver made', timeoutMs: (t) => t.call * 2, needs: ['lifecycle/create', 'lifecycle/stop'],
  blocked: ({ runner }) => (runner.ran('lifecycle/restart') && !runner.passed('lifecycle/stop-force') ? 'needs lifecycle/stop-force: the VM may still run' : undefined),
  async run(state) {
    const before = await filesUnder(state.dir);
    await state.calls.call('delete', 'delete() of the stopped instance', state.bare);
    const left = await filesUnder(state.dir);
    const runtimeLeft = await filesUnder(state.runtimeDir);
    if (left.length + runtimeLeft.length > 0) {
      const fromCreate = left.filter((f) => state.createdFiles.includes(f));
      const later = left.filter((f) => !state.createdFiles.includes(f));
      throw new CheckFailure(`after delete(), the instance folder still holds ${list(left)} (made by create(): ${list(fromCreate)}; made later: ${list(later)})`
        + `${runtimeLeft.length > 0 ? ` and the runtime folder ${list(runtimeLeft)}` : ''}; delete() must remove every file the driver made for the instance`);
    }
    return `removed ${before.length} file(s)`;
  },
};
