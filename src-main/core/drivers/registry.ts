// The drivers the engine knows, by name, each behind its own DriverHost. Built-in drivers are
// found by entry path (never imported: the engine reaches a driver only as a process).
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Capabilities } from '../../../src-drivers/sdk/protocol.ts';
import { qemuDriverName } from './builtin-names.ts';
import { qemuDriverEntry } from './builtin-entries.ts';
import { DriverHost } from './host.ts';
import type { DriverEntry, DriverHostOptions } from './host.ts';
import { settingsFromEnvironment, validateSettings } from '../connections/settings.ts';
import type { SettingValues } from '../connections/settings.ts';

/** A named connection as the registry needs it: which driver, with which settings. */
export interface ConnectionTarget {
  name: string;
  driver: string;
  settings: SettingValues;
}

export function builtinDrivers(): DriverEntry[] {
  return [{ name: qemuDriverName, entry: qemuDriverEntry() }];
}

/** What the driver picker and `corral drivers` show for one driver. */
export interface DriverInfo {
  name: string;
  version: string | null;
  description: string;
  protocol: number | null;
  capabilities: Capabilities | null;
  available: { ok: true } | { ok: false; reason: string };
  /**
   * How the driver's process is confined: built in (trusted, part of Corral), sandboxed (a
   * bundle under a sandbox verified at handshake), or unsandboxed (a bundle, with why).
   */
  sandbox: { state: 'built-in' } | { state: 'sandboxed'; by: string } | { state: 'unsandboxed'; reason: string };
}

/**
 * One driver process per connection, not one process serving several: a remote host that hangs
 * (an SSH connection stalled mid-call) then blocks only its own connection's calls, a crash
 * restarts one connection, and the contract stays "configure() once per process". The cost, a
 * Node process per connection in use, is small, and processes start on first use only.
 */
export class DriverRegistry {
  /** Each driver's default connection (settings from the environment), by driver name. */
  readonly #hosts = new Map<string, DriverHost>();
  /** Named connections' processes, by connection name, with the settings each was started with. */
  readonly #connectionHosts = new Map<string, { host: DriverHost; key: string }>();

  readonly #entries = new Map<string, DriverEntry>();
  readonly #options: Omit<DriverHostOptions, 'cacheDir'> & { cacheDir: (driver: string) => string };

  constructor(entries: DriverEntry[], options: Omit<DriverHostOptions, 'cacheDir'> & { cacheDir: (driver: string) => string }) {
    this.#options = options;
    for (const entry of entries) this.add(entry);
  }

  /** Adds a driver (an installed bundle) without a restart; it appears in describe() at once. */
  add(entry: DriverEntry): void {
    if (this.#hosts.has(entry.name)) throw new DriverError('ALREADY_EXISTS', `two drivers are named "${entry.name}"`, { driver: entry.name });
    this.#entries.set(entry.name, entry);
    this.#hosts.set(entry.name, new DriverHost(entry, {
      ...this.#options, cacheDir: this.#options.cacheDir(entry.name),
      settings: (handshake) => settingsFromEnvironment(entry.name, handshake.settings),
    }));
  }

  /**
   * The process of a named connection, started on first use; one whose settings changed since
   * (removed and added again) is ended and started afresh with the new ones.
   */
  async connectionHost(target: ConnectionTarget): Promise<DriverHost> {
    const key = JSON.stringify([target.driver, target.settings]);
    const known = this.#connectionHosts.get(target.name);
    if (known?.key === key) return known.host;
    const entry = this.#entries.get(target.driver);
    if (!entry) throw new DriverError('NOT_FOUND', `connection "${target.name}" uses driver ${target.driver}, which is not installed (installed: ${this.names().join(', ') || 'none'})`, { driver: target.driver });
    const host = new DriverHost(entry, {
      ...this.#options, cacheDir: this.#options.cacheDir(entry.name), connection: target.name,
      settings: (handshake) => validateSettings(target.driver, handshake.settings, target.settings, `connection "${target.name}"`),
    });
    this.#connectionHosts.set(target.name, { host, key }); // before any await: one host per connection
    await known?.host.dispose();
    return host;
  }

  /** Ends a named connection's process (the connection was removed). */
  async dropConnection(name: string): Promise<void> {
    const known = this.#connectionHosts.get(name);
    this.#connectionHosts.delete(name);
    await known?.host.dispose();
  }

  /** Removes a driver (upgraded, disabled or removed bundle), ending its process. */
  async remove(name: string): Promise<void> {
    const host = this.#hosts.get(name);
    this.#hosts.delete(name);
    this.#entries.delete(name);
    const connections = [...this.#connectionHosts].filter(([, known]) => known.host.name === name).map(([connection]) => connection);
    await Promise.all([host?.dispose(), ...connections.map((connection) => this.dropConnection(connection))]);
  }

  names(): string[] {
    return [...this.#hosts.keys()].sort();
  }

  host(name: string): DriverHost {
    const host = this.#hosts.get(name);
    if (!host) throw new DriverError('NOT_FOUND', `driver "${name}" is not installed (installed: ${this.names().join(', ') || 'none'})`, { driver: name });
    return host;
  }

  /** Every driver with its handshake; a driver that fails to start is listed as unavailable, with why. */
  async describe(): Promise<DriverInfo[]> {
    return Promise.all(this.names().map(async (name): Promise<DriverInfo> => {
      const isolation = this.#entries.get(name)?.isolation;
      const sandbox: DriverInfo['sandbox'] = !isolation ? { state: 'built-in' }
        : isolation.kind === 'sandboxed' ? { state: 'sandboxed', by: isolation.by } : { state: 'unsandboxed', reason: isolation.reason };
      try {
        const h = await this.host(name).handshake();
        return { name, version: h.version, description: h.description, protocol: h.protocol, capabilities: h.capabilities, available: h.available, sandbox };
      } catch (error) {
        return { name, version: null, description: '', protocol: null, capabilities: null, available: { ok: false, reason: toDriverError(error).message }, sandbox };
      }
    }));
  }

  /** Health-checks every driver process that runs; hung ones are restarted on next use. */
  async checkHealth(): Promise<void> {
    await Promise.all([...this.#hosts.values(), ...[...this.#connectionHosts.values()].map((known) => known.host)].map((host) => host.checkHealth()));
  }

  async dispose(options: { waitForExit?: boolean } = {}): Promise<void> {
    await Promise.all([...this.#hosts.values(), ...[...this.#connectionHosts.values()].map((known) => known.host)].map((host) => host.dispose(options)));
  }
}
