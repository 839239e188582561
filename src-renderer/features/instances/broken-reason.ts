// Why a Broken instance cannot be used, in the app's words. The engine's reason ends with the CLI's
// remedy ("corral delete NAME"); when it sends the problem apart (configProblem), the app names
// what to click instead. When the driver the instance names is not installed (driverMissing), the
// engine's reason names it and the app adds what recovers it. When the driver is installed but
// cannot answer for it (driverUnreachable), its error is the reason, and the app adds that only
// Delete… removes it (Force stop… and Restart… need the driver). Any other reason is shown as the
// engine wrote it.
import type { Instance } from '../../../src-main/api/contract.ts';

export function brokenReason(instance: Pick<Instance, 'state' | 'reason' | 'configProblem' | 'driverMissing' | 'driverUnreachable'>): string | undefined {
  if (instance.state !== 'Broken') return undefined;
  if (instance.configProblem !== undefined) return `${instance.configProblem.replace(/\.$/, '')}. Fix the file, or choose Delete… in the ⋯ menu.`;
  if (instance.driverMissing && instance.reason !== undefined) {
    return `${instance.reason.replace(/\.$/, '')}. Install its driver from the Drivers page, or choose Delete… in the ⋯ menu.`;
  }
  if (instance.driverUnreachable && instance.reason !== undefined) {
    return `${instance.reason.replace(/\.$/, '')}. Its driver cannot answer, so only Delete… in the ⋯ menu can remove it.`;
  }
  return instance.reason;
}
