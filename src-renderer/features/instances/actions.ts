// Which actions fit which status and which driver: the buttons and menu items the list and the
// instance page show, and why one is off (in the words the engine would refuse with).
import type { DriverInfo, Instance, VmState } from '../../../src-main/api/contract.ts';

export type ActionId =
  | 'start' | 'stop' | 'force-stop' | 'pause' | 'resume' | 'restart'
  | 'clone' | 'rename' | 'edit' | 'delete';

/** What the instance's driver said it can do; undefined while the drivers are being asked. */
export type DriverCapabilities = DriverInfo['capabilities'] | undefined;

export interface ActionSpec {
  id: ActionId;
  label: string;
  /** Removes or throws away something: shown in the danger colour, asked before it runs. */
  danger?: boolean;
  /** Opens a dialog first (clone, rename, edit, force stop, delete); the label ends in "…" when it asks for input. */
  asks?: boolean;
  /**
   * Shown from the click until the engine's status event: only a hint, so the click shows at
   * once. The engine decides and announces Starting and Stopping itself (instances/status.ts).
   */
  pendingHint?: VmState;
}

const all: Record<ActionId, ActionSpec> = {
  start: { id: 'start', label: 'Start', pendingHint: 'Starting' },
  stop: { id: 'stop', label: 'Stop', pendingHint: 'Stopping' },
  'force-stop': { id: 'force-stop', label: 'Force stop…', danger: true, asks: true, pendingHint: 'Stopping' },
  pause: { id: 'pause', label: 'Pause' },
  resume: { id: 'resume', label: 'Resume' },
  restart: { id: 'restart', label: 'Restart', pendingHint: 'Stopping' },
  clone: { id: 'clone', label: 'Clone…', asks: true },
  rename: { id: 'rename', label: 'Rename…', asks: true },
  edit: { id: 'edit', label: 'Edit…', asks: true },
  delete: { id: 'delete', label: 'Delete…', danger: true, asks: true },
};

const byState: Record<VmState, ActionId[]> = {
  Stopped: ['start', 'clone', 'rename', 'edit', 'delete'],
  Starting: ['force-stop'],
  Running: ['stop', 'force-stop', 'pause', 'restart', 'delete'],
  Paused: ['resume', 'force-stop', 'restart', 'delete'],
  Stopping: ['force-stop'],
  // Restart of a Broken VM ends it at once and starts it again (it cannot shut down): it asks first.
  Broken: ['force-stop', 'restart', 'delete'],
};

/** Every action, in the order the menu lists them. */
export const actionOrder: ActionId[] = ['start', 'stop', 'pause', 'resume', 'restart', 'clone', 'rename', 'edit', 'force-stop', 'delete'];

/** What a Broken instance's reshaping actions need: the engine refuses them until Force stop… has ended its VM. */
const brokenRemedy = 'it is broken; force stop it first';

/** What a Broken instance whose driver cannot answer for it allows (the engine's inspect failed): a forced delete. */
const silentDriverRemedy = 'its driver cannot answer, so only Delete… can remove it';

/** What a stopped-only action needs, said as the engine says it ("stop it before renaming it"). */
const stoppedOnly: Partial<Record<ActionId, string>> = { clone: 'cloning', rename: 'renaming', edit: 'editing' };

/**
 * The action as it is for an instance in `state`. Restart of a Broken VM cannot shut it down:
 * it ends it at once, like Force stop…, so it is dangerous and asks first.
 */
export function actionSpec(id: ActionId, state: VmState): ActionSpec {
  if (id === 'restart' && state === 'Broken') return { ...all.restart, label: 'Restart…', danger: true, asks: true };
  return all[id];
}

/** The accessible name of an action's control: the verb without its "…", then the instance. */
export function actionName(id: ActionId, instance: string): string {
  return `${all[id].label.replace(/…$/, '')} ${instance}`;
}

export type Availability = { enabled: true } | { enabled: false; reason: string };

/** What an action's availability depends on: the status, the driver, and whether that driver could answer for it. */
export type ActionTarget = Pick<Instance, 'state' | 'driver' | 'driverUnreachable'>;

/** Whether the status lets the action run: the menu lists such an action even when something else keeps it off. */
export function statusAllows(id: ActionId, state: VmState): boolean {
  return byState[state].includes(id);
}

/**
 * Whether the action can run now: the status must allow it, and for pause and resume the
 * driver must have said it can pause. Unknown capabilities (still loading) do not block: the
 * engine refuses with its own message then. The reason is what the user reads beside it, naming
 * the status as the badge beside it does (`shownAs`: "starting" while a running VM's guest boots).
 */
export function actionAvailability(id: ActionId, instance: ActionTarget, capabilities: DriverCapabilities, shownAs = instance.state.toLowerCase()): Availability {
  const { state, driver } = instance;
  if ((id === 'pause' || id === 'resume') && capabilities !== undefined) {
    if (capabilities === null) return { enabled: false, reason: driver === undefined ? 'its driver is not known, so it cannot pause' : `the ${driver} driver is not available, so it cannot pause` };
    if (!capabilities.pause) return { enabled: false, reason: `the ${driver} driver cannot pause` };
  }
  // Force stop and restart go through the driver, which fails each with its error; a forced delete goes on
  // without it. The menu lists only Delete… then (onlyDeletable), and no shortcut acts on a Broken
  // instance; the reason is for any caller that asks anyway (e2e/ui/actions.test.ts).
  if (state === 'Broken' && instance.driverUnreachable && id !== 'delete') return { enabled: false, reason: silentDriverRemedy };
  if (statusAllows(id, state)) return { enabled: true };
  // A Broken VM's guest cannot shut down: Force stop… ends it, and stopped, it can do the rest.
  if (state === 'Broken') return { enabled: false, reason: brokenRemedy };
  const doing = stoppedOnly[id];
  if (doing) return { enabled: false, reason: `it is ${shownAs}; stop it before ${doing} it` };
  if (id === 'restart' && state === 'Stopped') return { enabled: false, reason: 'it is stopped; use Start' };
  return { enabled: false, reason: `not while the instance is ${shownAs}` };
}

/**
 * The one action a row shows as a button, the one that applies now: Start when stopped, Stop
 * when running, Resume when paused, Force stop while a start or stop hangs. Undefined when
 * none does (Broken: the menu has what can be done).
 */
export function primaryAction(state: VmState): ActionId | undefined {
  switch (state) {
    case 'Stopped': return 'start';
    case 'Running': return 'stop';
    case 'Paused': return 'resume';
    case 'Starting': case 'Stopping': return 'force-stop';
    case 'Broken': return undefined;
  }
}

/**
 * Whether the engine can only delete the instance: Broken with a lima.yaml it cannot read, or
 * whose driver is not known, not installed (`capabilities` null) or could not answer for it
 * (`driverUnreachable`). Every other action needs the config and a driver that answers (force
 * stop too); delete goes on without them. Undefined capabilities (still loading) do not decide.
 */
export function onlyDeletable(instance: Pick<Instance, 'state' | 'driver' | 'configProblem' | 'driverUnreachable'>, capabilities: DriverCapabilities): boolean {
  return instance.state === 'Broken' && (instance.configProblem !== undefined || instance.driver === undefined || capabilities === null || instance.driverUnreachable === true);
}

/** The capabilities of driver `name` from the drivers query: undefined while it loads, null if that driver cannot answer (or is not known). */
export function capabilitiesOf(drivers: readonly DriverInfo[] | undefined, name: string | undefined): DriverCapabilities {
  if (name === undefined) return null;
  if (drivers === undefined) return undefined;
  return drivers.find((d) => d.name === name)?.capabilities ?? null;
}
