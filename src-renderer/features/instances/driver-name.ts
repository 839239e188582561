// The driver an instance shows under: its own, or "unknown" for a Broken instance whose lima.yaml
// names none (or cannot be read). The engine does not guess, so neither does the app.
import type { Instance } from '../../../src-main/api/contract.ts';

export const unknownDriver = 'unknown';

export function driverName(instance: Pick<Instance, 'driver'>): string {
  return instance.driver ?? unknownDriver;
}
