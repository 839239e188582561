// An instance's connection as the list shows it: an engine that predates connections sends
// none, and its instances all run on this machine.
import type { Instance } from '../../../src-main/api/contract.ts';

export const localConnection = 'local';

export function connectionOf(instance: Pick<Instance, 'connection'>): string {
  return instance.connection ?? localConnection;
}
