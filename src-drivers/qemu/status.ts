// QEMU's run states (QMP query-status) in Corral's terms.
import * as z from 'zod';
import type { VmState } from '../sdk/index.ts';

export const queryStatusSchema = z.object({ status: z.string(), running: z.boolean() }).loose();

export interface MappedState {
  state: VmState;
  reason?: string;
}

/**
 * `starting`: this driver process is between launching QEMU and its first `cont` (only a caller
 * that bypasses the engine's lock can ask then: the engine says Starting from its own record).
 */
export function stateFromRunState(status: string, logFile: string, starting = false): MappedState {
  switch (status) {
    case 'running':
      return { state: 'Running' };
    case 'paused':
      return { state: 'Paused' };
    case 'save-vm':
      return { state: 'Running', reason: 'taking a snapshot' };
    case 'restore-vm':
      return { state: 'Running', reason: 'applying a snapshot' };
    case 'suspended':
      return { state: 'Paused', reason: 'the guest suspended itself (ACPI S3)' };
    case 'debug':
      return { state: 'Paused', reason: 'stopped by a debugger' };
    case 'prelaunch':
    case 'inmigrate':
      if (starting) return { state: 'Starting' };
      return { state: 'Broken', reason: 'QEMU is waiting to run the guest, which happens when the driver died during start: stop the VM and start it again' };
    case 'shutdown':
      return { state: 'Stopping', reason: 'the guest has shut down and QEMU is exiting' };
    case 'internal-error':
      return { state: 'Broken', reason: `QEMU stopped the guest after an internal error (an accelerator fault, say): see ${logFile}` };
    case 'guest-panicked':
      return { state: 'Broken', reason: 'the guest kernel panicked' };
    case 'io-error':
      return { state: 'Broken', reason: 'the guest is paused after a disk I/O error (is the host disk full?)' };
    case 'watchdog':
      return { state: 'Broken', reason: 'the guest watchdog fired' };
    default:
      return { state: 'Broken', reason: `QEMU reports the unexpected run state "${status}"` };
  }
}
