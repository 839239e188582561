// The one owner of instance status. A status is derived here from two live facts, the
// operation recorded beside the instance's lock and the driver's inspect, and announced here,
// only when it changes. It also remembers which instances this engine is operating on, so the
// store watch can skip the engine's own writes instead of asking the driver what it knows.
import type { InspectResult, VmState } from '../../../src-drivers/sdk/protocol.ts';
import type { EngineEvent } from '../events.ts';
import type { RunningOperation } from './lock.ts';

/** What an operation in progress shows; any other operation leaves the driver to say. */
const operationStates: Partial<Record<string, VmState>> = { start: 'Starting', stop: 'Stopping' };

/** The state an operation holding the lock shows, if it shows one (then no driver is asked). */
export function operationState(operation: RunningOperation | undefined): VmState | undefined {
  return operation && operationStates[operation.op];
}

/** Why a Broken one broke, when front ends word the remedy themselves (see the API's Instance). */
export interface BrokenFacts {
  configProblem?: string | undefined;
  driverMissing?: true | undefined;
  driverUnreachable?: true | undefined;
}

export type DerivedStatus = Pick<InspectResult, 'state' | 'reason' | 'accelerator'> & BrokenFacts;

export class InstanceStatus {
  readonly #emit: (event: EngineEvent) => void;
  /** Last state announced per instance, so a change is announced once. */
  readonly #last = new Map<string, VmState>();
  /** Operations this engine runs now, per instance. */
  readonly #operating = new Map<string, number>();
  /** Instances this engine operated on since the watch last reported a batch. */
  readonly #touched = new Set<string>();

  constructor(emit: (event: EngineEvent) => void) {
    this.#emit = emit;
  }

  /** Announces `state` (a known result: the engine ran the operation, or the driver said so). */
  announce(name: string, state: VmState, reason?: string, facts: BrokenFacts = {}): void {
    this.#last.set(name, state);
    const { configProblem, driverMissing, driverUnreachable } = facts;
    this.#emit({ type: 'instance-status', name, state, reason, ...(configProblem !== undefined ? { configProblem } : {}), ...(driverMissing ? { driverMissing } : {}), ...(driverUnreachable ? { driverUnreachable } : {}) });
  }

  /** Announces a derived status only when it differs from the last one announced. */
  announceIfChanged(name: string, status: DerivedStatus): void {
    if (this.#last.get(name) !== status.state) this.announce(name, status.state, status.reason, status);
  }

  /** Records a state front ends learned another way (a create's or rename's answer). */
  remember(name: string, state: VmState): void {
    this.#last.set(name, state);
  }

  known(name: string): boolean {
    return this.#last.has(name);
  }

  /** Forgets a removed instance; true when it was known (so its removal is news). */
  forget(name: string): boolean {
    return this.#last.delete(name);
  }

  /** Runs `work`, marking its writes to the store as this engine's own. */
  async operating<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.#operating.set(name, (this.#operating.get(name) ?? 0) + 1);
    this.#touched.add(name);
    try {
      return await work();
    } finally {
      const left = (this.#operating.get(name) ?? 1) - 1;
      if (left > 0) this.#operating.set(name, left);
      else this.#operating.delete(name);
      // Marked again at the end: the watch may report the record's removal after this.
      this.#touched.add(name);
    }
  }

  /**
   * Whether a watched change to `name` may be this engine's own write: it operates on the
   * instance now, or did since the watch last reported it. Answering resets the mark of a
   * finished operation, so the next change is judged afresh.
   */
  mayBeOwn(name: string): boolean {
    const own = this.#operating.has(name) || this.#touched.has(name);
    if (!this.#operating.has(name)) this.#touched.delete(name);
    return own;
  }

  /** Whether this engine runs an operation on `name` right now. */
  isOperating(name: string): boolean {
    return this.#operating.has(name);
  }
}
