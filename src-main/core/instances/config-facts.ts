// What `corral list` needs from an instance's lima.yaml (its effective numbers, the template's
// message and params), kept beside it as JSON with the digest of the text it was taken from.
// Reading YAML and checking it against the whole Lima schema costs a CLI more than everything
// else a list does; this record is trusted only while lima.yaml's text is exactly the one it
// names, so a hand edit sends the list back to lima.yaml itself.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import type { Arch } from './config.ts';
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

// Built on first use: a command that never reads the record never pays for the schema.
let schema: z.ZodType<ConfigFacts & { configSha256: string }> | undefined;
function factsSchema(): z.ZodType<ConfigFacts & { configSha256: string }> {
  schema ??= z.object({
    configSha256: z.string().regex(/^[0-9a-f]{64}$/),
    effective: z.object({
      vmType: z.string().min(1),
      connection: z.string().min(1),
      arch: z.custom<Arch>((value) => arches.includes(value as Arch)),
      cpus: z.number().int().positive(),
      memoryBytes: z.number().nonnegative(),
      diskBytes: z.number().nonnegative(),
      display: z.enum(['none', 'vnc']),
    }),
    message: z.string().optional(),
    param: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  });
  return schema;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Records the facts of `configText`, the lima.yaml just written in `dir`. */
export async function writeConfigFacts(dir: string, configText: string, facts: ConfigFacts): Promise<void> {
  await writeJsonRecord(path.join(dir, configFactsFileName), { configSha256: digest(configText), ...facts });
}

/** The facts, while lima.yaml is the text they were taken from; else undefined (read lima.yaml). */
export async function readConfigFacts(dir: string): Promise<ConfigFacts | undefined> {
  const [text, record] = await Promise.all([
    fs.readFile(path.join(dir, configFileName), 'utf8').catch(() => undefined),
    readJsonRecordOrNothing(path.join(dir, configFactsFileName), factsSchema()),
  ]);
  if (text === undefined || record === undefined || record.configSha256 !== digest(text)) return undefined;
  const { configSha256: _digest, ...facts } = record;
  return facts;
}
