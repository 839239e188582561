// The instance store: one folder per instance under CORRAL_HOME/instances, holding lima.yaml
// and whatever the driver makes. The store knows folders and configs; it never asks a driver.
import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { CorralPaths } from '../paths.ts';
import { writeFileAtomic } from './atomic.ts';
import { parseLimaConfig, readYamlMapping, salvageConfig } from './config.ts';
import type { LimaConfig } from './config.ts';
import { readRecordedConfig, writeConfigFacts } from './config-facts.ts';
import type { ConfigFacts } from './config-facts.ts';
import { effectiveConfig } from './effective.ts';
import { configFileName, exists, instanceNames } from './folders.ts';
import { assertInstanceName } from './names.ts';
import { stagingDirFor } from './staging.ts';

export { configFileName } from './folders.ts';

export class InstanceStore {
  readonly #paths: CorralPaths;
  /** Told each lima.yaml text this store writes in place (the engine's watch knows its own saves so). */
  readonly #onConfigWritten: ((name: string, text: string) => void) | undefined;

  constructor(paths: CorralPaths, onConfigWritten?: (name: string, text: string) => void) {
    this.#paths = paths;
    this.#onConfigWritten = onConfigWritten;
  }

  dir(name: string): string {
    assertInstanceName(name);
    return this.#paths.instanceDir(name);
  }

  /** Names of every instance, sorted (folders.ts says which folders count). */
  names(): Promise<string[]> {
    return instanceNames(this.#paths.instances);
  }

  async exists(name: string): Promise<boolean> {
    return exists(path.join(this.dir(name), configFileName));
  }

  /**
   * lima.yaml's config: from the record beside it while that was taken from exactly this text
   * (config-facts.ts), else parsed from the YAML, the authority, and recorded for the next read.
   */
  async readConfig(name: string): Promise<LimaConfig> {
    const dir = this.dir(name);
    const file = path.join(dir, configFileName);
    const recorded = readRecordedConfig(dir); // never rejects
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DriverError('NOT_FOUND', `no instance named "${name}" (corral list shows the instances)`, { name });
      // A folder or an unreadable file where lima.yaml should be: broken like a bad value.
      const problem = `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
      throw new DriverError('INVALID_CONFIG', `${problem}; fix it, or ${cliDelete(name)}`, { field: null, name, problem });
    }
    const fromRecord = (await recorded).configFor(text);
    if (fromRecord) return fromRecord;
    let config: LimaConfig;
    try {
      config = parseLimaConfig(text, file).config;
    } catch (error) {
      if (!(error instanceof DriverError) || error.code !== 'INVALID_CONFIG') throw error;
      throw new DriverError('INVALID_CONFIG', `${error.message}; fix the file, or ${cliDelete(name)}`, { ...error.details, name, problem: error.message });
    }
    // A hand edit, or an instance recorded before the record kept the config: once per text.
    await recordFacts(dir, text, config).catch(() => undefined); // a read-only home still reads
    return config;
  }

  /**
   * The config, or when lima.yaml is unreadable, why, with what of it is still valid (defaults
   * for the rest): enough to list the instance as Broken and to delete it.
   */
  async readConfigOrSalvage(name: string): Promise<{ config: LimaConfig; problem?: DriverError }> {
    try {
      return { config: await this.readConfig(name) };
    } catch (error) {
      if (!(error instanceof DriverError) || error.code !== 'INVALID_CONFIG') throw error;
      const text = await fs.readFile(path.join(this.dir(name), configFileName), 'utf8').catch(() => '');
      let raw: unknown = {};
      try {
        raw = readYamlMapping(text, configFileName).raw;
      } catch {
        // Not even YAML: every field falls back to its default.
      }
      return { config: salvageConfig(raw), problem: error };
    }
  }

  /**
   * Reads lima.yaml and records its facts for the quick list (config-facts.ts): for an instance
   * made before that record, or edited by hand. The record names the digest of the text read
   * here, so a write racing this one leaves it stale, never wrong.
   */
  async refreshFacts(name: string): Promise<ConfigFacts> {
    const file = path.join(this.dir(name), configFileName);
    const text = await fs.readFile(file, 'utf8');
    const { config } = parseLimaConfig(text, file);
    await recordFacts(this.dir(name), text, config).catch(() => undefined); // a read-only home still lists
    return factsOf(config);
  }

  async writeConfig(name: string, config: LimaConfig): Promise<void> {
    const { text, parsed } = serialize(name, config);
    this.#onConfigWritten?.(name, text); // before the file lands: the watch may see it at once
    await writeFileAtomic(path.join(this.dir(name), configFileName), text);
    await recordFacts(this.dir(name), text, parsed);
  }

  /**
   * Creates the instance folder atomically: `populate` fills a hidden staging folder, which is
   * renamed into place only when it succeeds. On failure nothing of the instance remains.
   */
  async create(name: string, config: LimaConfig, populate: (stagingDir: string) => Promise<void>): Promise<void> {
    const dir = this.dir(name);
    if (await this.exists(name)) throw new DriverError('ALREADY_EXISTS', `an instance named "${name}" already exists; pick another name or delete it first`, { name });
    const { text, parsed } = serialize(name, config);
    const staging = stagingDirFor(this.#paths.instances, name);
    await fs.mkdir(staging, { recursive: true, mode: 0o700 });
    try {
      await writeFileAtomic(path.join(staging, configFileName), text);
      await recordFacts(staging, text, parsed);
      await populate(staging);
      await fs.rm(dir, { recursive: true, force: true }); // a leftover empty folder from a crash
      await fs.rename(staging, dir);
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Renames the instance folder (the caller holds both names' locks and has checked that it is
   * stopped). Nothing inside records the folder's own path (the driver contract forbids it), and
   * the runtime folder is derived from the folder's path, so the folder is all there is to move.
   */
  async rename(from: string, to: string): Promise<void> {
    const source = this.dir(from);
    const target = this.dir(to);
    if (!(await this.exists(from))) throw new DriverError('NOT_FOUND', `no instance named "${from}" (corral list shows the instances)`, { name: from });
    if (await this.exists(to)) throw new DriverError('ALREADY_EXISTS', `an instance named "${to}" already exists; pick another name or delete it first`, { name: to });
    await fs.rm(target, { recursive: true, force: true }); // a leftover half-made folder from a crash (no lima.yaml)
    await fs.rename(source, target);
  }

  /**
   * Removes the instance folder; the driver has already removed its own files. lima.yaml goes
   * last: a removal that fails midway leaves the instance listed (Broken, with the error, and
   * deletable again), never a folder no list shows.
   */
  async remove(name: string): Promise<void> {
    const dir = this.dir(name);
    const entries = await fs.readdir(dir).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });
    await Promise.all(entries.filter((entry) => entry !== configFileName).map((entry) => fs.rm(path.join(dir, entry), { recursive: true, force: true })));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The remedy a config error ends with, in the CLI's words. `details.problem` keeps the problem
 * without it, so the app can name its own way to delete (a menu item, not a command).
 */
function cliDelete(name: string): string {
  return `delete the instance with: corral delete ${name}`;
}

/**
 * lima.yaml's text for `config`, read back the way every later load reads it (`parsed`, what
 * the record beside it keeps): a config that would not load is refused here, before anything
 * is written, so one bad value can never leave an instance that breaks on every read.
 */
function serialize(name: string, config: LimaConfig): { text: string; parsed: LimaConfig } {
  const text = stringify(config);
  try {
    return { text, parsed: parseLimaConfig(text, `the config of "${name}"`).config };
  } catch (error) {
    if (!(error instanceof DriverError)) throw error;
    throw new DriverError('INVALID_CONFIG', `${error.message}; nothing was written`, { ...error.details, name });
  }
}

/** What readConfig and `corral list` read instead of lima.yaml (config-facts.ts): `config` parsed from `text`. */
async function recordFacts(dir: string, text: string, config: LimaConfig): Promise<void> {
  await writeConfigFacts(dir, text, config, factsOf(config));
}

function factsOf(config: LimaConfig): ConfigFacts {
  return { effective: effectiveConfig(config), message: config.message, param: config.param };
}
