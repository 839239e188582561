// Beside an instance's driver in the list: where it runs, when that is a named connection (not
// this machine, nor the driver's own default, which the driver's name already says).
import type { Instance } from '../../../src-main/api/contract.ts';
import { connectionOf, localConnection } from './connection-of.ts';

/**
 * `phone`: the copy under the instance's name, shown only where the list hides its driver column
 * (a phone's width), so where an instance runs is visible there too; each width shows one of the two.
 */
export function ConnectionNote({ instance, phone = false }: { instance: Instance; phone?: boolean }) {
  const connection = connectionOf(instance);
  if (connection === localConnection || connection === instance.driver) return null;
  return (
    <span className={phone ? 'cell-note phone-only' : 'cell-note'} data-testid={`connection-${instance.name}${phone ? '-phone' : ''}`}>
      on {connection}
    </span>
  );
}
