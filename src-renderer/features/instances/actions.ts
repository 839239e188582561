// Which lifecycle actions fit which status and which driver: the buttons the list and the
// instance page show, and why one is off when the status allows it but the driver cannot.
import type { DriverInfo, VmState } from '../../../src-main/api/contract.ts';

export type ActionId = 'start' | 'stop' | 'force-stop' | 'pause' | 'resume' | 'delete';

/** What the instance's driver said it can do; undefined while the drivers are being asked. */
export type DriverCapabilities = DriverInfo['capabilities'] | undefined;

export interface ActionSpec {
  id: ActionId;
  label: string;
  /**
   * Shown from the click until the engine's status event: only a hint, so the click shows at
   * once. The engine decides and announces Starting and Stopping itself (instances/status.ts).
   */
  pendingHint?: VmState;
}

const all: Record<ActionId, ActionSpec> = {
  start: { id: 'start', label: 'Start', pendingHint: 'Starting' },
  stop: { id: 'stop', label: 'Stop', pendingHint: 'Stopping' },
  'force-stop': { id: 'force-stop', label: 'Force stop', pendingHint: 'Stopping' },
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

export type Availability = { enabled: true } | { enabled: false; reason: string };

/**
 * Whether the action can run now: the status must allow it, and for pause and resume the
 * driver must have said it can pause. Unknown capabilities (still loading) do not block: the
 * engine refuses with its own message then. The reason is what the button's tooltip says.
 */
export function actionAvailability(id: ActionId, state: VmState, driver: string, capabilities: DriverCapabilities): Availability {
  if ((id === 'pause' || id === 'resume') && capabilities !== undefined) {
    if (capabilities === null) return { enabled: false, reason: `the ${driver} driver is not available, so it cannot pause` };
    if (!capabilities.pause) return { enabled: false, reason: `the ${driver} driver cannot pause` };
  }
  if (!byState[state].includes(id)) return { enabled: false, reason: `not while the instance is ${state.toLowerCase()}` };
  return { enabled: true };
}

/** The capabilities of driver `name` from the drivers query: undefined while it loads, null if that driver cannot answer. */
export function capabilitiesOf(drivers: readonly DriverInfo[] | undefined, name: string): DriverCapabilities {
  if (drivers === undefined) return undefined;
  return drivers.find((d) => d.name === name)?.capabilities ?? null;
}
