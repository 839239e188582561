// Asking an instance's driver what its VM is doing: the one way the engine asks, so the summary
// (inspect.ts), every operation (engine.ts #operate) and delete (lifecycle.ts) read the same
// fact. Each decides what the answer means for it: shown as Broken, refused in words
// (unanswered.ts), or the delete's rule.
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { InspectResult, InstanceSpec } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';

export type DriverAnswer =
  /** The driver answered. */
  | { host: DriverHost; inspected: InspectResult; unreached?: undefined; unanswered?: undefined }
  /** No driver process to ask: the driver is not installed (NOT_FOUND), or its connection cannot be made. */
  | { host?: undefined; inspected?: undefined; unreached: DriverError; unanswered?: undefined }
  /** The driver was asked and could not answer: its process keeps failing, its hypervisor is out of reach. */
  | { host: DriverHost; inspected?: undefined; unreached?: undefined; unanswered: DriverError };

/** What the driver of `connection` says of the VM of `spec`. Never throws. */
export async function askDriver(driver: (connection: string) => Promise<DriverHost>, connection: string, spec: InstanceSpec): Promise<DriverAnswer> {
  let host: DriverHost;
  try {
    host = await driver(connection);
  } catch (error) {
    return { unreached: toDriverError(error) };
  }
  try {
    return { host, inspected: await host.call('inspect', spec) };
  } catch (error) {
    return { host, unanswered: toDriverError(error) };
  }
}
