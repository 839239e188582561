// Beside an instance's driver in the list: where it runs, when that is a named connection (not
// this machine, nor the driver's own default, which the driver's name already says).
import type { Instance } from '../../../src-main/api/contract.ts';
import { connectionOf, localConnection } from './connection-of.ts';

export function ConnectionNote({ instance }: { instance: Instance }) {
  const connection = connectionOf(instance);
  return connection === localConnection || connection === instance.driver ? null : <span className="cell-note" data-testid={`connection-${instance.name}`}>on {connection}</span>;
}
