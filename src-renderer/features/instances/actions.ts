// Which lifecycle actions fit which status: the buttons the list and the instance page show.
import type { VmState } from '../../../src-main/api/contract.ts';

export type ActionId = 'start' | 'stop' | 'force-stop' | 'pause' | 'resume' | 'delete';

export interface ActionSpec {
  id: ActionId;
  label: string;
  /** Shown in the transient status while the call runs (the engine emits only the result). */
  pendingState?: VmState;
}

const all: Record<ActionId, ActionSpec> = {
  start: { id: 'start', label: 'Start', pendingState: 'Starting' },
  stop: { id: 'stop', label: 'Stop', pendingState: 'Stopping' },
  'force-stop': { id: 'force-stop', label: 'Force stop', pendingState: 'Stopping' },
  pause: { id: 'pause', label: 'Pause' },
  resume: { id: 'resume', label: 'Resume' },
  delete: { id: 'delete', label: 'Delete' },
};

const byState: Record<VmState, ActionId[]> = {
  Stopped: ['start', 'delete'],
  Starting: ['force-stop'],
  Running: ['stop', 'force-stop', 'pause', 'delete'],
  Paused: ['resume', 'force-stop', 'delete'],
  Stopping: ['force-stop'],
  Broken: ['force-stop', 'delete'],
};

export const actionOrder: ActionId[] = ['start', 'stop', 'force-stop', 'pause', 'resume', 'delete'];

export function actionSpec(id: ActionId): ActionSpec {
  return all[id];
}

export function actionEnabled(id: ActionId, state: VmState): boolean {
  return byState[state].includes(id);
}
