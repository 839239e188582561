// QMP, one short conversation at a time. QEMU's QMP socket serves a single client, and several
// engines (the desktop app, a CLI, the web shell) each run their own driver process against
// the same VM: a driver that held the monitor would lock the others out. So every call
// connects, says what it has to say, and hangs up; a client arriving meanwhile waits in the
// socket's accept queue for a moment instead of failing.
import { setTimeout as delay } from 'node:timers/promises';
import { DriverError } from '../sdk/index.ts';
import type { InstancePaths } from './paths.ts';
import { QmpClient } from './qmp.ts';
import { queryStatusSchema } from './status.ts';

/** Long enough to outwait another engine's conversation, short enough to call a hung QEMU hung. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Pause between connects while QEMU's accept queue is full. */
const BUSY_RETRY_MS = 50;

export async function withQmp<T>(paths: InstancePaths, talk: (qmp: QmpClient) => Promise<T>): Promise<T> {
  const qmp = await connectWhenFree(paths.qmpSocket);
  try {
    return await talk(qmp);
  } finally {
    qmp.close();
  }
}

/**
 * QEMU listens with an accept queue of one: while a long command (savevm) holds the monitor and
 * another client already waits, a connect fails at once with EAGAIN instead of queueing. That
 * is "busy", not "broken": try again until the usual deadline.
 */
async function connectWhenFree(socketPath: string): Promise<QmpClient> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  for (;;) {
    try {
      return await QmpClient.connect(socketPath, { timeoutMs: Math.max(1, deadline - Date.now()) });
    } catch (error) {
      const busy = error instanceof DriverError && error.details.errno === 'EAGAIN';
      if (!busy || Date.now() + BUSY_RETRY_MS >= deadline) throw error;
      await delay(BUSY_RETRY_MS);
    }
  }
}

/** QEMU's run state, e.g. 'running' or 'paused'. */
export async function runState(qmp: QmpClient): Promise<string> {
  return (await qmp.query(queryStatusSchema, 'query-status')).status;
}

/** Sends `command` for a VM that is expected to be in `from`; INVALID_STATE otherwise. */
export async function transition(paths: InstancePaths, instance: string, command: 'stop' | 'cont', from: string, verb: string): Promise<void> {
  await withQmp(paths, async (qmp) => {
    const state = await runState(qmp);
    if (state !== from) throw new DriverError('INVALID_STATE', `cannot ${verb} ${instance}: it is ${state}, not ${from}`, { instance });
    await qmp.execute(command);
  });
}
