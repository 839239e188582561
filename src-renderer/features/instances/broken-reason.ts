// Why a Broken instance cannot be used, in the app's words. The engine's reason ends with the CLI's
// remedy ("corral delete NAME"); when it sends the problem apart (configProblem), the app names
// what to click instead. When the driver the instance names is not installed (driverMissing), the
// engine's reason names it and the app adds what recovers it. Any other reason is shown as the
// engine wrote it.
import type { Instance } from '../../../src-main/api/contract.ts';

export function brokenReason(instance: Pick<Instance, 'state' | 'reason' | 'configProblem' | 'driverMissing'>): string | undefined {
  if (instance.state !== 'Broken') return undefined;
  if (instance.configProblem !== undefined) return `${instance.configProblem.replace(/\.$/, '')}. Fix the file, or choose Delete… in the ⋯ menu.`;
  if (instance.driverMissing && instance.reason !== undefined) {
    return `${instance.reason.replace(/\.$/, '')}. Install its driver from the Drivers page, or choose Delete… in the ⋯ menu.`;
  }
  return instance.reason;
}
