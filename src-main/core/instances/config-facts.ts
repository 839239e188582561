// lima.yaml read once, kept beside it as JSON with the digest of the text it was taken from: the
// parsed config, which every operation needs (a start among them), and the facts `corral list`
// shows (its effective numbers, the template's message and params). Reading YAML and checking it
// against the whole Lima schema costs a CLI command more than the rest of what it does before it
// reaches the driver; this record is trusted only while lima.yaml's text is exactly the one it
// names, so a hand edit sends every reader back to lima.yaml itself, which stays the authority.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
// zod/mini, not zod: `corral list` reads this record, and zod/mini's schemas cost a third of
// zod's to build and first use (about 20 ms of a list), same checks.
import * as z from 'zod/mini';
import type { Arch, LimaConfig } from './config.ts';
import { limaConfigSchemaVersion } from './config-version.ts';
import type { EffectiveConfig } from './effective.ts';
import { configFileName } from './folders.ts';
import { readJsonRecordOrNothing, writeJsonRecord } from './json-record.ts';

export const configFactsFileName = 'config-facts.json';

export interface ConfigFacts {
  effective: EffectiveConfig;
  message?: string | undefined;
  param?: Record<string, string | number | boolean> | undefined;
}

const arches: readonly Arch[] = ['x86_64', 'aarch64', 'riscv64', 'armv7l', 's390x', 'ppc64le'];

interface FactsRecord extends ConfigFacts {
  configSha256: string;
  /**
   * lima.yaml's text itself (absent in records written before it was kept): a reader compares
   * it, and hashes nothing. Loading node:crypto for the digest was about 7 ms of a `corral list`.
   * The digest is still written, for the corral versions that read only it.
   */
  configText?: string | undefined;
  /** lima.yaml as parseLimaConfig returned it (absent in records written before it was kept). */
  config?: LimaConfig | undefined;
  /** The limaConfigSchemaVersion that parsed `config`. */
  configSchema?: number | undefined;
}

/**
 * The config's shape is not checked field by field (that is the cost this record saves): the
 * record is written only from a config that passed the schema, and trusted only with the digest
 * of the text that config was parsed from. An object with its images is all a reader assumes.
 */
const looksLikeConfig = (value: unknown): value is LimaConfig =>
  typeof value === 'object' && value !== null && Array.isArray((value as { images?: unknown }).images);

// Built on first use: a command that never reads the record never pays for the schema.
let schema: z.ZodMiniType<FactsRecord> | undefined;
function factsSchema(): z.ZodMiniType<FactsRecord> {
  schema ??= z.object({
    configSha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
    configText: z.optional(z.string()),
    effective: z.object({
      vmType: z.string().check(z.minLength(1)),
      connection: z.string().check(z.minLength(1)),
      arch: z.custom<Arch>((value) => arches.includes(value as Arch)),
      cpus: z.int().check(z.positive()),
      memoryBytes: z.number().check(z.nonnegative()),
      diskBytes: z.number().check(z.nonnegative()),
      display: z.enum(['none', 'vnc']),
    }),
    message: z.optional(z.string()),
    param: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
    config: z.optional(z.custom<LimaConfig>(looksLikeConfig)),
    configSchema: z.optional(z.number()),
  });
  return schema;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Records `config` and its facts, parsed from `configText`, the lima.yaml just written in `dir`. */
export async function writeConfigFacts(dir: string, configText: string, config: LimaConfig, facts: ConfigFacts): Promise<void> {
  const record: FactsRecord = { configSha256: digest(configText), configText, ...facts, config, configSchema: limaConfigSchemaVersion };
  await writeJsonRecord(path.join(dir, configFactsFileName), record);
}

function readRecord(dir: string): Promise<FactsRecord | undefined> {
  return readJsonRecordOrNothing(path.join(dir, configFactsFileName), factsSchema());
}

/** Whether `record` was taken from `text`, lima.yaml's text now. */
function takenFrom(record: FactsRecord | undefined, text: string | undefined): record is FactsRecord {
  if (record === undefined || text === undefined) return false;
  return record.configText === undefined ? record.configSha256 === digest(text) : record.configText === text;
}

/** The facts, while lima.yaml is the text they were taken from; else undefined (read lima.yaml). */
export async function readConfigFacts(dir: string): Promise<ConfigFacts | undefined> {
  const [text, record] = await Promise.all([
    fs.readFile(path.join(dir, configFileName), 'utf8').catch(() => undefined),
    readRecord(dir),
  ]);
  if (!takenFrom(record, text)) return undefined;
  const { configSha256: _digest, configText: _text, config: _config, configSchema: _version, ...facts } = record;
  return facts;
}

/**
 * The recorded config, for lima.yaml's text once the caller has read it: `configFor(text)` is
 * the config this schema version parsed from exactly that text, or undefined (parse the YAML).
 */
export async function readRecordedConfig(dir: string): Promise<{ configFor(text: string): LimaConfig | undefined }> {
  const record = await readRecord(dir);
  return { configFor: (text) => (takenFrom(record, text) && record.configSchema === limaConfigSchemaVersion ? record.config : undefined) };
}
