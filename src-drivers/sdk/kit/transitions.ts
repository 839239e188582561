// Which instances this driver process is starting or stopping right now, and the refusals
// that go with the VM's state. The engine serialises operations per instance; the guard
// catches a second start or stop that slipped through (another engine, a retry), and
// inspect() reads it to say Starting or Stopping while a call is under way. That answer is for
// direct callers (the conformance kit, a driver's own tests): Corral's engine decides the
// status users see from its operation record, and asks inspect only when none is running.
import { DriverError } from '../errors.ts';
import type { InstanceSpec } from '../protocol.ts';

export type Transition = 'Starting' | 'Stopping';

export class TransitionGuard {
  readonly #current = new Map<string, Transition>();

  /** The transition under way for the instance, if any. */
  of(spec: InstanceSpec): Transition | undefined {
    return this.#current.get(spec.dir);
  }

  /** Runs `work` with the instance marked as `transition`; BUSY when another one is under way. */
  async during<T>(spec: InstanceSpec, transition: Transition, work: () => Promise<T>): Promise<T> {
    const current = this.#current.get(spec.dir);
    if (current) throw new DriverError('BUSY', `${spec.name} is ${current === 'Starting' ? 'starting' : 'stopping'} already`, { instance: spec.name });
    this.#current.set(spec.dir, transition);
    try {
      return await work();
    } finally {
      this.#current.delete(spec.dir);
    }
  }
}

/** INVALID_STATE for an operation that needs the VM running: "cannot `what` NAME: it is not running". */
export function notRunning(spec: InstanceSpec, what: string): DriverError {
  return new DriverError('INVALID_STATE', `cannot ${what} ${spec.name}: it is not running`, { instance: spec.name });
}

/** INVALID_STATE for an operation that needs the VM stopped; `how` says how it runs ("pid 42", "paused"). */
export function stillRunning(spec: InstanceSpec, what: string, how: string): DriverError {
  return new DriverError('INVALID_STATE', `cannot ${what} ${spec.name}: it is running (${how}); stop it first`, { instance: spec.name });
}
