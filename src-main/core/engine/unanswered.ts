// What a user is told when an instance's driver cannot answer for its VM (its inspect fails: the
// driver process keeps failing, its hypervisor is out of reach). Nothing can be done to the VM
// through Corral then, and nothing is known of it, so the one way out is a forced delete.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Operation } from '../instances/lock.ts';

/** What a delete with force does when the driver cannot answer (engine/lifecycle.ts). */
export const forcedDeleteDoes = 'the driver is asked to stop and delete the VM as far as it can, the instance folder is removed, and what the driver keeps outside that folder may remain';

/** What could not be done, per operation. */
const actions: Record<Operation, string> = {
  create: 'create it', start: 'start it', stop: 'stop it', pause: 'pause it', resume: 'resume it', delete: 'delete it',
  edit: 'edit it', snapshot: 'take, apply or delete its snapshots', clone: 'clone it', rename: 'rename it', move: 'move it',
};

/**
 * The refusal of `op` on instance `name` whose `driver` failed to answer with `error`. A driver
 * that is not installed (NOT_FOUND) never will until it is, and its instance deletes without force.
 */
export function driverCannotAnswer(driver: string, name: string, op: Operation, error: DriverError): DriverError {
  const details = { driverError: error.message, driverCode: error.code };
  if (error.code === 'NOT_FOUND') {
    return new DriverError('INVALID_STATE', `"${name}" needs a driver that is not here (${error.message}), so Corral cannot ${actions[op]}. Install that driver (corral driver install FILE, or the app's Drivers page) to use the instance again, or delete the instance; what the driver made outside its folder may remain`, details);
  }
  return new DriverError('INVALID_STATE', `the ${driver} driver cannot answer for the VM of "${name}" (${error.message}), so Corral cannot ${actions[op]}. Try again once the driver answers, or delete the instance with --force: ${forcedDeleteDoes}`, details);
}
