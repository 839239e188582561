// Runs checks one after another: each with a deadline, each only when the checks it needs
// passed, skipped only for a reason the driver's capabilities give. A check that overruns its
// deadline fails with the step it was waiting for, and `onTimeout` ends the hung driver
// process so the calls after it get a fresh one instead of hanging too.
import { DriverError, toDriverError } from '../../../../src-drivers/sdk/errors.ts';
import type { CheckGroup, CheckResult } from './types.ts';

/** A failed expectation: the message is what the driver author reads. */
export class CheckFailure extends Error {}

export interface CheckContext {
  /** Aborted when the check overran its deadline: long waits inside a check stop on it. */
  signal: AbortSignal;
  /** Names the step in progress, so a timeout says what it was waiting for. */
  step(what: string): void;
}

export interface CheckSpec {
  group: CheckGroup;
  name: string;
  title: string;
  timeoutMs: number;
  /** Ids of checks that must have passed, e.g. ['lifecycle/start']. */
  needs?: string[];
  /** Another reason it cannot run (no guest, driver unavailable): reported as not run. */
  blocked?: () => string | undefined;
  /** A capability the driver says it lacks: reported as skipped, with this reason. */
  skipIf?: () => string | undefined;
}

/** What a check returns: nothing, or a short fact to show beside its PASS. */
export type CheckBody = (context: CheckContext) => Promise<string | undefined>;

export class CheckRunner {
  readonly results: CheckResult[] = [];
  readonly #onResult: ((result: CheckResult) => void) | undefined;
  readonly #onTimeout: () => Promise<void>;
  readonly #signal: AbortSignal | undefined;

  /** `onTimeout` ends a hung driver; `signal` cancels the run (the check in progress and the rest are not run). */
  constructor(options: { onResult?: ((result: CheckResult) => void) | undefined; onTimeout: () => Promise<void>; signal?: AbortSignal | undefined }) {
    this.#onResult = options.onResult;
    this.#onTimeout = options.onTimeout;
    this.#signal = options.signal;
  }

  passed(id: string): boolean {
    return this.results.some((r) => r.id === id && r.status === 'pass');
  }

  ran(id: string): boolean {
    return this.results.some((r) => r.id === id && (r.status === 'pass' || r.status === 'fail'));
  }

  async run(spec: CheckSpec, body: CheckBody): Promise<boolean> {
    const id = `${spec.group}/${spec.name}`;
    const base = { id, group: spec.group, name: spec.name, title: spec.title };
    if (this.#signal?.aborted) return this.#record({ ...base, status: 'not-run', durationMs: 0, message: 'not run (the run was cancelled)' });
    const unmet = (spec.needs ?? []).filter((need) => !this.passed(need));
    // A check whose needs were skipped for a capability the driver lacks is skipped for that reason too, not "not run".
    const skippedNeed = unmet.length > 0 ? this.results.find((r) => r.id === unmet[0] && r.status === 'skip') : undefined;
    if (skippedNeed && unmet.every((need) => this.results.some((r) => r.id === need && r.status === 'skip'))) {
      return this.#record({ ...base, status: 'skip', durationMs: 0, message: skippedNeed.message });
    }
    if (unmet.length > 0) return this.#record({ ...base, status: 'not-run', durationMs: 0, message: `not run (needs ${unmet.join(', ')})` });
    const blocked = spec.blocked?.();
    if (blocked) return this.#record({ ...base, status: 'not-run', durationMs: 0, message: `not run (${blocked})` });
    const skip = spec.skipIf?.();
    if (skip) return this.#record({ ...base, status: 'skip', durationMs: 0, message: skip });

    const started = performance.now();
    const controller = new AbortController();
    let step = 'the check';
    let timer: NodeJS.Timeout | undefined;
    let onCancel: (() => void) | undefined;
    const deadline = new Promise<'timeout' | 'cancelled'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), spec.timeoutMs);
      onCancel = () => resolve('cancelled');
      this.#signal?.addEventListener('abort', onCancel, { once: true });
    });
    const work = body({ signal: controller.signal, step: (what) => { step = what; } });
    // Whatever the body does after a timeout (a hung call failing once the process is ended) is nobody's business.
    work.catch(() => undefined);
    let status: 'pass' | 'fail' | 'not-run' = 'pass';
    let message: string | undefined;
    try {
      const outcome = await Promise.race([work, deadline]);
      if (outcome === 'cancelled') {
        status = 'not-run';
        message = `cancelled during ${step}`;
        controller.abort();
        await this.#onTimeout().catch(() => undefined);
      } else if (outcome === 'timeout') {
        status = 'fail';
        message = `${step} did not finish within ${formatSeconds(spec.timeoutMs)}; the kit ended the driver process (a hung call would block every check after it)`;
        controller.abort();
        await this.#onTimeout().catch(() => undefined);
      } else if (typeof outcome === 'string' && outcome !== '') {
        message = outcome;
      }
    } catch (error) {
      status = 'fail';
      message = failureMessage(error);
    } finally {
      clearTimeout(timer);
      if (onCancel) this.#signal?.removeEventListener('abort', onCancel);
    }
    const durationMs = Math.round(performance.now() - started);
    return this.#record({ ...base, status, durationMs, ...(message !== undefined ? { message } : {}) });
  }

  #record(result: CheckResult): boolean {
    this.results.push(result);
    this.#onResult?.(result);
    return result.status === 'pass';
  }
}

function failureMessage(error: unknown): string {
  if (error instanceof CheckFailure) return error.message;
  if (error instanceof DriverError) return `${error.code}: ${error.message}`;
  const typed = toDriverError(error);
  return `the kit hit an unexpected error: ${typed.message}`;
}

export function formatSeconds(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
