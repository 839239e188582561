// Installed driver bundles, kept in step with the engine's driver registry: what an install,
// upgrade, enable, disable or remove changes on disk is reflected in the registry at once, so
// a new driver shows in the picker without a restart. Bundle files dropped into a drivers
// folder (CORRAL_HOME/drivers, and every folder of CORRAL_DRIVERS_PATH) are installed when
// the engine starts: placing the file there is the user's approval, and every other check
// (hashes, signature, paths, protocol, platform, limits) applies as for any install.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DriverError, toDriverError } from '../../../../src-drivers/sdk/errors.ts';
import type { DriverRegistry } from '../registry.ts';
import { bundleDriverEntry } from '../sandbox/entries.ts';
import type { EntryPaths } from '../sandbox/entries.ts';
import { sandboxSupport } from '../sandbox/spawn.ts';
import type { SandboxOptions } from '../sandbox/spawn.ts';
import { inspectBundle } from './inspect.ts';
import { installBundle, listInstalled, removeBundle, setEnabled } from './install.ts';
import type { InstalledDriver } from './install.ts';
import { loadTrustedKeys } from './keys.ts';
import type { TrustedKey } from './keys.ts';
import { bundleExtension } from './pack.ts';
import { trustPrompt } from './trust.ts';
import type { SandboxSupport, TrustPrompt } from './trust.ts';

export const DRIVERS_PATH_ENV = 'CORRAL_DRIVERS_PATH';

export interface DriverBundlesOptions {
  home: string;
  registry: DriverRegistry;
  paths: EntryPaths;
  /** Built-in driver names: a bundle may not take one. */
  builtinNames: string[];
  /** Instances of `driver` that run now (upgrade, disable and remove refuse while any do). */
  runningInstances: (driver: string) => Promise<string[]>;
  /** Where problems with dropped-in bundles are reported (they have no caller to throw to). */
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Folders scanned for dropped-in bundle files; default CORRAL_HOME/drivers + CORRAL_DRIVERS_PATH. */
  dropFolders?: string[];
  sandbox?: SandboxOptions;
}

export interface ForceOption {
  /** Go ahead even while instances of the driver run. */
  force?: boolean;
}

export class DriverBundles {
  readonly #options: DriverBundlesOptions;
  #support: SandboxSupport | undefined;
  /** Which install of each bundle driver this manager registered, by name. */
  readonly #registered = new Map<string, string>();
  /** Dropped-in bundle files that were refused at the last load, with why. */
  #dropProblems: { file: string; message: string }[] = [];
  /** sync() runs one at a time: two at once would register a driver twice. */
  #syncing: Promise<void> = Promise.resolve();

  constructor(options: DriverBundlesOptions) {
    this.#options = options;
  }

  /** Whether this host sandboxes bundle drivers (checked once: it runs bubblewrap). */
  get sandbox(): SandboxSupport {
    this.#support ??= sandboxSupport(this.#options.sandbox);
    return this.#support;
  }

  /** Installs bundles dropped into the drivers folders, then registers every enabled bundle. Never throws. */
  async load(): Promise<void> {
    this.#dropProblems = [];
    for (const file of await this.#droppedFiles()) {
      try {
        const trustedKeys = await loadTrustedKeys(this.#options.home);
        const { name, version } = (await inspectBundle(file, { trustedKeys })).manifest;
        if ((await this.list()).some((d) => d.name === name && d.version === version)) continue;
        const installed = await this.#install(file, trustedKeys, { confirm: async () => true });
        this.#options.log('info', `installed driver ${installed.name} ${installed.version} from ${file}`);
      } catch (error) {
        const message = toDriverError(error).message;
        this.#dropProblems.push({ file, message });
        this.#options.log('warn', `${file} was not installed: ${message}`);
      }
    }
    await this.sync().catch((error: unknown) => this.#options.log('error', `installed drivers could not be loaded: ${toDriverError(error).message}`));
  }

  /** Bundle files in the drivers folders that were not installed, and why (for `corral driver list`). */
  dropProblems(): { file: string; message: string }[] {
    return [...this.#dropProblems];
  }

  /** Every installed bundle, enabled or not. */
  list(): Promise<InstalledDriver[]> {
    return listInstalled(this.#options.home);
  }

  /** What installing `file` would do, for the trust dialog; writes nothing. */
  async review(file: string): Promise<TrustPrompt> {
    const bundle = await inspectBundle(file, { trustedKeys: await loadTrustedKeys(this.#options.home) });
    this.#refuseBuiltinName(bundle.manifest.name, file);
    const current = (await this.list()).find((d) => d.name === bundle.manifest.name);
    return trustPrompt(bundle.manifest, bundle.signer, this.sandbox, current?.version ?? null);
  }

  /**
   * Checks and installs `file` (an upgrade when another version is installed) and registers the
   * driver. `confirm` sees the trust prompt; a caller that showed it already passes `async () => true`.
   */
  async install(file: string, options: ForceOption & { confirm: (prompt: TrustPrompt) => Promise<boolean> }): Promise<InstalledDriver> {
    return this.#install(file, await loadTrustedKeys(this.#options.home), options);
  }

  async remove(name: string, options: ForceOption = {}): Promise<void> {
    await removeBundle(this.#options.home, name, this.#guard(options));
    await this.sync();
  }

  async setEnabled(name: string, enabled: boolean, options: ForceOption = {}): Promise<void> {
    await setEnabled(this.#options.home, name, enabled, this.#guard(options));
    await this.sync();
  }

  /**
   * Makes the registry match the disk: enabled bundles registered (the active version), others
   * not. Also picks up what another Corral process (the CLI) installed meanwhile.
   */
  sync(): Promise<void> {
    const run = this.#syncing.then(() => this.#sync());
    this.#syncing = run.catch(() => undefined);
    return run;
  }

  async #sync(): Promise<void> {
    const { registry } = this.#options;
    const wanted = new Map((await this.list()).filter((d) => d.enabled && !this.#isBuiltin(d.name)).map((d) => [d.name, d]));
    for (const [name, install] of this.#registered) {
      const driver = wanted.get(name);
      if (driver && installKey(driver) === install) continue;
      this.#registered.delete(name);
      await registry.remove(name);
    }
    for (const [name, driver] of wanted) {
      if (this.#registered.has(name)) continue;
      registry.add(bundleDriverEntry(driver, this.#options.paths, this.sandbox, this.#options.sandbox));
      this.#registered.set(name, installKey(driver));
    }
  }

  async #install(file: string, trustedKeys: TrustedKey[], options: ForceOption & { confirm: (prompt: TrustPrompt) => Promise<boolean> }): Promise<InstalledDriver> {
    const installed = await installBundle(this.#options.home, file, {
      ...this.#guard(options),
      confirm: options.confirm,
      sandbox: this.sandbox,
      trustedKeys,
      reservedNames: this.#options.builtinNames,
    });
    await this.sync();
    return installed;
  }

  #guard(options: ForceOption) {
    return { force: options.force ?? false, runningInstances: this.#options.runningInstances };
  }

  #isBuiltin(name: string): boolean {
    return this.#options.builtinNames.includes(name);
  }

  #refuseBuiltinName(name: string, file: string): void {
    if (this.#isBuiltin(name)) {
      throw new DriverError('ALREADY_EXISTS', `driver bundle ${path.basename(file)} refused: ${name} is the name of a built-in driver`, { driver: name });
    }
  }

  async #droppedFiles(): Promise<string[]> {
    const folders = this.#options.dropFolders ?? dropFolders(this.#options.home);
    const files: string[] = [];
    for (const folder of folders) {
      const names = await fs.readdir(folder).catch(() => [] as string[]);
      files.push(...names.filter((n) => n.endsWith(bundleExtension)).sort().map((n) => path.join(folder, n)));
    }
    return files;
  }
}

const installKey = (driver: InstalledDriver): string => `${driver.dir}|${driver.installedAt}`;

/** CORRAL_HOME/drivers, then CORRAL_DRIVERS_PATH's folders (path-list separated, like PATH). */
export function dropFolders(home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env[DRIVERS_PATH_ENV] ?? '').split(path.delimiter).filter(Boolean).map((p) => path.resolve(p));
  return [path.join(home, 'drivers'), ...extra];
}
