// The spawn broker of one installed bundle: the engine's answer to DriverContext.engine.spawn.
// Every request crossing from the driver is parsed, checked against the approved manifest and,
// when refused, written with what was asked to the driver's log (the instance page's Logs tab
// shows it, and it goes out as a driver-log event) before the typed error goes back.
import { spawnRequestSchema } from '../../../../src-drivers/sdk/broker.ts';
import type { EngineServices } from '../../../../src-drivers/sdk/broker.ts';
import { DriverError, toDriverError } from '../../../../src-drivers/sdk/errors.ts';
import { checkRequest } from './grants.ts';
import type { BrokerGrants } from './grants.ts';
import { launchDetached } from './launch.ts';

/** The services for one driver process; `log` writes a line to that driver's log. */
export type EngineServicesFor = (log: (level: 'info' | 'warn', message: string) => void) => EngineServices;

export function spawnBroker(grants: BrokerGrants, options: { bwrap?: string } = {}): EngineServicesFor {
  return (log) => ({
    async spawn(raw: unknown) {
      const parsed = spawnRequestSchema().safeParse(raw);
      if (!parsed.success) throw new DriverError('INVALID_CONFIG', `driver ${grants.driver} sent a malformed broker request: ${parsed.error.message}`);
      const request = parsed.data;
      try {
        checkRequest(request, grants);
      } catch (error) {
        const refusal = toDriverError(error);
        log('warn', `${refusal.message}; it asked: ${JSON.stringify({ executable: request.executable, args: request.args, files: request.files, sockets: request.sockets })}`);
        throw refusal;
      }
      const spawned = await launchDetached(request, grants, options.bwrap);
      log('info', `the broker started ${request.executable} for driver ${grants.driver} (pid ${spawned.pid})`);
      return spawned;
    },
  });
}

/** For drivers with no broker (built in, or unsandboxed): a clear refusal instead of silence. */
export const noBroker: EngineServicesFor = () => ({
  spawn: () => Promise.reject(new DriverError('UNSUPPORTED', 'the spawn broker serves installed, sandboxed driver bundles only; a built-in driver starts its processes itself')),
});
