// One conformance check as a named unit: what it asks of the driver, how long it may take,
// which checks must have passed first, and its body. The checks live in checks/, one file per
// group as the kit reports them; run.ts lists the order they run in.
import type { CheckContext, CheckSpec } from './runner.ts';
import type { ConformanceState } from './state.ts';
import type { CheckGroup, ConformanceTimeouts } from './types.ts';

export interface ConformanceCheck {
  group: CheckGroup;
  name: string;
  /** One line: what the check asks of the driver. */
  title: string;
  timeoutMs(timeouts: ConformanceTimeouts): number;
  /** Ids of checks that must have passed, e.g. ['lifecycle/start']. */
  needs?: string[];
  /** Another reason it cannot run (no guest, driver unavailable): reported as not run. */
  blocked?(state: ConformanceState): string | undefined;
  /** A capability the driver says it lacks: reported as skipped, with this reason. */
  skipIf?(state: ConformanceState): string | undefined;
  /** Nothing, or a short fact to show beside its PASS; throws CheckFailure naming what was wrong. */
  run(state: ConformanceState, context: CheckContext): Promise<string | undefined>;
}

/** The runner's view of a check, bound to this run's state and timeouts. */
export function specOf(check: ConformanceCheck, state: ConformanceState): CheckSpec {
  const { blocked, skipIf } = check;
  return {
    group: check.group,
    name: check.name,
    title: check.title,
    timeoutMs: check.timeoutMs(state.timeouts),
    ...(check.needs ? { needs: check.needs } : {}),
    ...(blocked ? { blocked: () => blocked.call(check, state) } : {}),
    ...(skipIf ? { skipIf: () => skipIf.call(check, state) } : {}),
  };
}
