// The drivers the engine knows, by name, each behind its own DriverHost. Built-in drivers are
// found by entry path (never imported: the engine reaches a driver only as a process).
import { fileURLToPath } from 'node:url';
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Capabilities } from '../../../src-drivers/sdk/protocol.ts';
import { DriverHost } from './host.ts';
import type { DriverEntry, DriverHostOptions } from './host.ts';

export function builtinDrivers(): DriverEntry[] {
  return [{ name: 'qemu', entry: fileURLToPath(new URL('../../../src-drivers/qemu/main.ts', import.meta.url)) }];
}

/** What the driver picker and `corral drivers` show for one driver. */
export interface DriverInfo {
  name: string;
  version: string | null;
  description: string;
  protocol: number | null;
  capabilities: Capabilities | null;
  available: { ok: true } | { ok: false; reason: string };
}

export class DriverRegistry {
  readonly #hosts = new Map<string, DriverHost>();

  constructor(entries: DriverEntry[], options: Omit<DriverHostOptions, 'cacheDir'> & { cacheDir: (driver: string) => string }) {
    for (const entry of entries) {
      if (this.#hosts.has(entry.name)) throw new DriverError('ALREADY_EXISTS', `two drivers are named "${entry.name}"`, { driver: entry.name });
      this.#hosts.set(entry.name, new DriverHost(entry, { ...options, cacheDir: options.cacheDir(entry.name) }));
    }
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
      try {
        const h = await this.host(name).handshake();
        return { name, version: h.version, description: h.description, protocol: h.protocol, capabilities: h.capabilities, available: h.available };
      } catch (error) {
        return { name, version: null, description: '', protocol: null, capabilities: null, available: { ok: false, reason: toDriverError(error).message } };
      }
    }));
  }

  /** Health-checks every driver process that runs; hung ones are restarted on next use. */
  async checkHealth(): Promise<void> {
    await Promise.all([...this.#hosts.values()].map((host) => host.checkHealth()));
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.#hosts.values()].map((host) => host.dispose()));
  }
}
