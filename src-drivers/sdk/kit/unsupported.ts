// A driver need not write the methods of capabilities it does not declare: this fills them in
// with UNSUPPORTED refusals that name the capability (and the close methods with a quiet success,
// as the contract asks). A driver that declares a capability but lacks its methods is a bug
// caught at configure(), not at the first call.
import { DriverError } from '../errors.ts';
import { declares, driverMethodNames, gatedMethods } from '../protocol.ts';
import type { Capabilities, DeclaredCapabilities, Driver, DriverDescription, GatedMethod } from '../protocol.ts';

/** What a driver writes: every method no capability gates, and the gated ones it offers. */
export type DriverMethods = Omit<Driver, GatedMethod> & Partial<Pick<Driver, GatedMethod>>;

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

const isGated = (name: keyof Driver): name is GatedMethod => Object.hasOwn(gatedMethods, name);

/** The complete Driver: `methods` (bound to it, so a class instance works), the rest UNSUPPORTED. */
export function answerUnsupported(description: Pick<DriverDescription, 'name' | 'capabilities'>, methods: DriverMethods): Driver {
  const own = methods as unknown as Partial<Record<keyof Driver, AnyMethod>>;
  const entries = driverMethodNames.map((name): [keyof Driver, AnyMethod] => {
    const method = own[name];
    if (typeof method === 'function') return [name, method.bind(methods)];
    if (!isGated(name)) throw new DriverError('INTERNAL', `the ${description.name} driver has no ${name}(), which every driver must have`);
    const capability = gatedMethods[name];
    if (declares(description.capabilities, capability)) {
      throw new DriverError('INTERNAL', `the ${description.name} driver declares capabilities.${capability} but has no ${name}()`);
    }
    if (name === 'closeConsole' || name === 'closeStats') return [name, async () => undefined];
    return [name, refusal(description.name, capability, description.capabilities)];
  });
  return Object.fromEntries(entries) as unknown as Driver;
}

function refusal(driver: string, capability: keyof Capabilities, capabilities: DeclaredCapabilities): AnyMethod {
  return async () => {
    throw new DriverError('UNSUPPORTED', `the ${driver} driver does not offer ${capability} (capabilities.${capability} is ${JSON.stringify(capabilities[capability] ?? false)})`, { capability });
  };
}
