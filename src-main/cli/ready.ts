// `corral start` waiting for the guest: one line per change of its boot (booting, provisioning
// 2/3, probing, ready), then the template's message; a failed script or a timeout ends it with
// an error saying what failed, its last lines and where the whole log is.
import path from 'node:path';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import { describeStep, guestLogFileName } from '../core/guest/status.ts';
import type { GuestStatus } from '../core/guest/status.ts';
import { waitForGuest } from '../core/guest/wait.ts';

/** One progress line: "booting", "provisioning 2/3: provision[1] (mode system)", "ready". */
export function progressLine(name: string, status: GuestStatus): string {
  const step = status.step ? ` ${status.step.index}/${status.step.total}: ${describeStep(status.step.name)}` : '';
  return `${name}: ${status.phase}${status.phase === 'provisioning' || status.phase === 'probing' ? step : ''}`;
}

/** Waits until the guest is ready; prints progress and the message, or throws what went wrong. */
export async function waitUntilReady(name: string, dir: string, write: (line: string) => void, warn: (line: string) => void): Promise<void> {
  const status = await waitForGuest(dir, (change) => write(progressLine(name, change)));
  const log = path.join(dir, guestLogFileName);
  const whole = `the whole log: ${log} (or: corral shell ${name} -- sudo cat /var/log/corral-boot.log)`;
  if (status.phase === 'ready') {
    if (status.message) write(status.message.trimEnd());
    return;
  }
  if (status.phase === 'failed' && status.failure) {
    const { script, exitStatus, lastLines } = status.failure;
    // The script's own words first (stderr, as the error is), then the one-line error.
    warn(lastLines.length ? `${script} failed; its last lines:\n${lastLines.map((line) => `  ${line}`).join('\n')}` : `${script} failed, printing nothing`);
    throw new DriverError('PROVISION_FAILED', `${name}: provisioning failed: ${script} exited with status ${exitStatus}; ${whole}`, { script, exitStatus });
  }
  if (status.phase === 'failed') throw new DriverError('INVALID_STATE', `${name}: ${status.message ?? 'the boot failed'}`, { name });
  throw new DriverError('TIMEOUT', `${name} is running but not ready: ${status.message ?? 'timed out'}; ${whole}; the console: ${path.join(dir, 'serial.log')}`, { name });
}
