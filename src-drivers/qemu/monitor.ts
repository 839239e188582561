// QMP, one short conversation at a time. QEMU's QMP socket serves a single client, and several
// engines (the desktop app, a CLI, the web shell) each run their own driver process against
// the same VM: a driver that held the monitor would lock the others out. So every call
// connects, says what it has to say, and hangs up; a client arriving meanwhile waits in the
// socket's accept queue for a moment instead of failing.
import { DriverError } from '../sdk/index.ts';
import type { InstancePaths } from './paths.ts';
import { QmpClient } from './qmp.ts';
import { queryStatusSchema } from './status.ts';

/** Long enough to outwait another engine's conversation, short enough to call a hung QEMU hung. */
const CONNECT_TIMEOUT_MS = 10_000;

export async function withQmp<T>(paths: InstancePaths, talk: (qmp: QmpClient) => Promise<T>): Promise<T> {
  const qmp = await QmpClient.connect(paths.qmpSocket, { timeoutMs: CONNECT_TIMEOUT_MS });
  try {
    return await talk(qmp);
  } finally {
    qmp.close();
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
