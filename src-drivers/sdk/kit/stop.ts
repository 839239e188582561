// stop() as the contract asks for it, for any hypervisor: the power button first (unless
// forced), and when the guest does not power off within the timeout, or the power-down
// itself fails, the VM is ended and the engine's log says why.
import type { DriverContext, InstanceSpec, StopOptions } from '../protocol.ts';

/** The hypervisor's part of a stop. */
export interface StopSteps {
  /** Presses the power button and waits: true when the VM went within `timeoutMs`, else why not. */
  powerDown(timeoutMs: number): Promise<true | string>;
  /** Ends the VM at once; resolves when it has gone. */
  end(): Promise<void>;
  /** After a graceful power-off: removes what the VM left behind. */
  cleanUp(): Promise<void>;
}

export async function powerDownThenEnd(spec: InstanceSpec, options: StopOptions, steps: StopSteps, context: DriverContext): Promise<void> {
  if (!options.force) {
    const outcome = await steps.powerDown(options.timeoutMs)
      .catch((error: unknown) => `the power-down failed (${error instanceof Error ? error.message : String(error)})`);
    if (outcome === true) return steps.cleanUp();
    context.emit({ type: 'log', level: 'warn', message: `${spec.name}: ${outcome}; ending the VM` });
  }
  await steps.end();
}

/**
 * Asks `done` until it says true or `timeoutMs` passes, waiting a little longer each time (50
 * ms up to 500 ms): for hypervisors that can be asked but do not announce. True when done.
 */
export async function pollUntil(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 500)) {
    if (await done()) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
  }
}
