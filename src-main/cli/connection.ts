// `corral connection ...`: list, add (tested first), test and remove named connections.
// Parsing and printing only; the engine's Connections does the work.
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import type { Engine } from '../core/engine.ts';
import { table } from './format.ts';

export interface ConnectionValues {
  json?: boolean | undefined;
  driver?: string | undefined;
}

/** The driver `connection add NAME URI` means when --driver is left out: URIs are libvirt's. */
const URI_DRIVER = 'libvirt';

/** Runs a `connection` subcommand and returns what to print; `usage` builds the CLI's usage error. */
export async function connectionCommand(engine: Engine, args: string[], values: ConnectionValues, usage: (message: string) => Error): Promise<string> {
  const [sub = 'list', name, uri] = args;
  const need = (value: string | undefined, what: string): string => {
    if (!value) throw usage(`missing ${what}: corral connection ${sub} ${sub === 'add' ? 'NAME URI' : 'NAME'}`);
    return value;
  };
  switch (sub) {
    case 'list': {
      const connections = await engine.connections.list();
      if (values.json) return JSON.stringify(connections, null, 2);
      return table(['NAME', 'DRIVER', 'SETTINGS', 'INSTANCES'], connections.map((c) => [
        c.name, c.driver,
        c.kind === 'named' ? Object.entries(c.settings).map(([key, value]) => `${key}=${String(value)}`).join(' ') : c.kind === 'local' ? 'this machine' : `from CORRAL_${c.driver.toUpperCase()}_* or defaults`,
        c.instances.join(',') || '-',
      ]));
    }
    case 'add': {
      const result = await engine.connections.add(need(name, 'name'), values.driver ?? URI_DRIVER, { uri: need(uri, 'URI') });
      return `Added connection ${result.name}: ${result.description}`;
    }
    case 'test': {
      const result = await engine.connections.test(need(name, 'name'));
      if (!result.ok) throw new DriverError('UNAVAILABLE', `connection "${result.name}" does not work: ${result.reason ?? 'unavailable'}`, { connection: result.name });
      return `Connection ${result.name} works: ${result.description}`;
    }
    case 'remove':
      await engine.connections.remove(need(name, 'name'));
      return `Removed connection ${name}.`;
    default:
      throw usage(`unknown connection command "${sub}" (list, add, test, remove)`);
  }
}
