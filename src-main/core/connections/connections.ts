// The engine's connections: where VMs run. "local" is the built-in QEMU driver on this machine;
// every other installed driver has a default connection named after it (settings from the
// engine's CORRAL_DRIVER_* variables, as before connections existed); named ones (a libvirt URI
// on another host) are stored in connections.json. An instance records its connection in its
// config; the engine reaches the instance's driver process through it.
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Handshake } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';
import type { DriverRegistry } from '../drivers/registry.ts';
import { effectiveConfig } from '../instances/effective.ts';
import type { InstanceStore } from '../instances/store.ts';
import { maskSecrets, validateSettings } from './settings.ts';
import type { SettingValues } from './settings.ts';
import { ConnectionStore, connectionNameProblem, notFound } from './store.ts';
import { LOCAL_CONNECTION, LOCAL_DRIVER } from './connection-of.ts';
import type { StoredConnection } from './store.ts';

/** A connection as `corral connection list` and the Connections view show it (secrets masked). */
export interface ConnectionInfo {
  name: string;
  driver: string;
  /** local: this machine's QEMU; default: a driver's unnamed connection; named: one the user added. */
  kind: 'local' | 'default' | 'named';
  settings: SettingValues;
  /** Instances that run on it. */
  instances: string[];
}

/** What a first contact found: whether it can run VMs, and what answered. */
export interface ConnectionTest {
  name: string;
  ok: boolean;
  /** Why not, in one line, when not ok. */
  reason?: string;
  /** The driver's description as configured for this connection (libvirt: versions found). */
  description: string;
}

export class Connections {
  readonly stored: ConnectionStore;
  readonly #registry: DriverRegistry;
  readonly #instances: InstanceStore;
  /** Settles once installed driver bundles are registered: until then their names are unknown. */
  readonly #driversLoaded: Promise<void>;

  constructor(home: string, registry: DriverRegistry, instances: InstanceStore, driversLoaded: Promise<void>) {
    this.stored = new ConnectionStore(home);
    this.#registry = registry;
    this.#instances = instances;
    this.#driversLoaded = driversLoaded;
  }

  /**
   * The driver process for connection (or driver) `name`: "local" is QEMU's, a driver's name its
   * default connection, anything else a stored connection. Only the last reads connections.json.
   */
  async host(name: string): Promise<DriverHost> {
    if (name === LOCAL_CONNECTION) return this.#registry.host(LOCAL_DRIVER);
    if (this.#registry.names().includes(name)) return this.#registry.host(name);
    const stored = await this.stored.get(name);
    if (!stored) return this.#registry.host(name); // its "not installed" error names the drivers
    return this.#registry.connectionHost(stored);
  }

  /** The driver a connection uses, or NOT_FOUND. */
  async driverOf(name: string): Promise<string> {
    await this.#driversLoaded;
    if (name === LOCAL_CONNECTION) return LOCAL_DRIVER;
    if (this.#registry.names().includes(name)) return name;
    const connections = await this.stored.list();
    const stored = connections.find((c) => c.name === name);
    if (!stored) throw notFound(name, connections);
    return stored.driver;
  }

  async list(): Promise<ConnectionInfo[]> {
    await this.#driversLoaded;
    const users = await this.#users();
    const usedBy = (name: string) => users.filter((u) => u.connection === name).map((u) => u.name);
    const defaults = this.#registry.names().map((driver): ConnectionInfo => driver === LOCAL_DRIVER
      ? { name: LOCAL_CONNECTION, driver, kind: 'local', settings: {}, instances: usedBy(LOCAL_CONNECTION) }
      : { name: driver, driver, kind: 'default', settings: {}, instances: usedBy(driver) });
    const named = await Promise.all((await this.stored.list()).map(async (c): Promise<ConnectionInfo> => ({
      name: c.name, driver: c.driver, kind: 'named', settings: maskSecrets(await this.#declarations(c.driver).catch(() => []), c.settings), instances: usedBy(c.name),
    })));
    return [...defaults, ...named];
  }

  /**
   * Adds connection `name` after checking it: the name free, the driver installed and taking
   * settings, the settings valid for it, and a first contact that found a host able to run VMs.
   * Any failure is one line, and nothing is written.
   */
  async add(name: string, driver: string, settings: SettingValues): Promise<ConnectionTest> {
    await this.#driversLoaded;
    const problem = connectionNameProblem(name);
    if (problem) throw new DriverError('INVALID_NAME', problem, { connection: name });
    if (name === LOCAL_CONNECTION || this.#registry.names().includes(name)) {
      throw new DriverError('ALREADY_EXISTS', `"${name}" is the name of a built-in connection; pick another name`, { connection: name });
    }
    if (await this.stored.get(name)) throw new DriverError('ALREADY_EXISTS', `connection "${name}" exists already: remove it first, or pick another name`, { connection: name });
    const declarations = await this.#declarations(driver);
    if (declarations.length === 0) {
      throw new DriverError('INVALID_CONFIG', `driver ${driver} takes no connection settings${driver === LOCAL_DRIVER ? ': its one connection is "local"' : ''}`, { driver });
    }
    const values = validateSettings(driver, declarations, settings, `connection "${name}"`);
    const connection: StoredConnection = { name, driver, settings: values, added: new Date().toISOString() };
    const result = await this.#contact(connection);
    if (!result.ok) throw new DriverError('UNAVAILABLE', `connection "${name}" not added: ${result.reason ?? 'the driver is not available'}`, { connection: name });
    await this.stored.add(connection);
    return result;
  }

  /** Removes a named connection; refused while an instance uses it. */
  async remove(name: string): Promise<void> {
    await this.#driversLoaded;
    if (name === LOCAL_CONNECTION || this.#registry.names().includes(name)) {
      throw new DriverError('INVALID_STATE', `"${name}" is a built-in connection and cannot be removed`, { connection: name });
    }
    const connections = await this.stored.list();
    if (!connections.some((c) => c.name === name)) throw notFound(name, connections);
    const users = (await this.#users()).filter((u) => u.connection === name).map((u) => u.name);
    if (users.length > 0) {
      throw new DriverError('INVALID_STATE', `connection "${name}" is used by ${users.join(', ')}: delete ${users.length === 1 ? 'that instance' : 'those instances'} first`, { connection: name });
    }
    await this.stored.remove(name);
    await this.#registry.dropConnection(name);
  }

  /** Connects to `name` and says what answered. */
  async test(name: string): Promise<ConnectionTest> {
    await this.#driversLoaded;
    if (name === LOCAL_CONNECTION || this.#registry.names().includes(name)) return describe(name, await (await this.host(name)).handshake());
    const connections = await this.stored.list();
    const stored = connections.find((c) => c.name === name);
    if (!stored) throw notFound(name, connections);
    return this.#contact(stored, { keep: true });
  }

  /** Starts the connection's driver process (handshake, configure, handshake again) and reads what it found. */
  async #contact(connection: StoredConnection, options: { keep?: boolean } = {}): Promise<ConnectionTest> {
    try {
      return describe(connection.name, await (await this.#registry.connectionHost(connection)).handshake());
    } catch (error) {
      const typed = toDriverError(error);
      if (typed.code === 'INVALID_CONFIG') throw typed;
      return { name: connection.name, ok: false, reason: typed.message, description: '' };
    } finally {
      // A connection not (yet) stored keeps no process; a tested stored one is reused.
      if (!options.keep) await this.#registry.dropConnection(connection.name);
    }
  }

  async #declarations(driver: string): Promise<Handshake['settings']> {
    return (await this.#registry.host(driver).handshake()).settings;
  }

  /** Every instance with its connection (one whose config cannot be read is left out). */
  async #users(): Promise<Array<{ name: string; connection: string }>> {
    const names = await this.#instances.names();
    const configs = await Promise.all(names.map(async (name) => ({ name, config: await this.#instances.readConfig(name).catch(() => undefined) })));
    return configs.flatMap(({ name, config }) => (config ? [{ name, connection: effectiveConfig(config).connection }] : []));
  }
}

function describe(name: string, handshake: Handshake): ConnectionTest {
  return handshake.available.ok
    ? { name, ok: true, description: handshake.description }
    : { name, ok: false, reason: handshake.available.reason, description: handshake.description };
}
