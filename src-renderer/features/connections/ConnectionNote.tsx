// Beside an instance's driver in the list: where it runs, when that is not this machine.
import type { Instance } from '../../../src-main/api/contract.ts';
import { connectionOf, localConnection } from './connection-of.ts';

export function ConnectionNote({ instance }: { instance: Instance }) {
  const connection = connectionOf(instance);
  return connection === localConnection ? null : <span className="cell-note" data-testid={`connection-${instance.name}`}>on {connection}</span>;
}
