// An instance's config: Lima's lima.yaml schema, the subset Corral runs today. Parsing turns
// YAML into a typed config or a DriverError naming the field (and line) that is wrong; fields
// Corral does not use yet are reported as warnings, never dropped silently.
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';
import { z } from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { parseSize } from './sizes.ts';
import { fieldWarnings } from '../templates/fields.ts';
import { portForwardSchema } from '../guest/port-rules.ts';

const arches = ['x86_64', 'aarch64', 'riscv64', 'armv7l', 's390x', 'ppc64le'] as const;
export type Arch = (typeof arches)[number];

const size = z.union([z.string(), z.number()]).refine((v) => parseSize(v) !== undefined, {
  message: 'expected a size such as "256MiB", "4GiB" or a number of bytes',
});
const digest = z.string().regex(/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/, 'expected "sha256:<64 hex>" or "sha512:<128 hex>"');
const location = z.string().min(1, 'expected a path, file:// or http(s):// URL');
const file = z.object({ location, arch: z.enum(arches).optional(), digest: digest.optional() });

/** The most CPUs a config may ask for (Lima's and QEMU's practical ceiling). */
export const maxCpus = 512;

export const limaConfigSchema = z.object({
  vmType: z.string().min(1).optional(),
  arch: z.enum(arches).optional(),
  cpus: z.number().int().min(1).max(maxCpus).optional(),
  memory: size.optional(),
  disk: size.optional(),
  images: z.array(file.extend({
    kernel: file.extend({ cmdline: z.string().optional() }).optional(),
    initrd: file.optional(),
  }), { error: (issue) => (issue.input === undefined ? 'at least one image is needed' : 'expected a list of images') }).min(1, 'at least one image is needed'),
  video: z.object({ display: z.string().optional() }).optional(),
  containerd: z.object({
    system: z.boolean().optional(),
    user: z.boolean().optional(),
    archives: z.array(file).optional(),
  }).optional(),
  // Lima's guest user; unset fields get Lima's defaults (src-main/core/cidata/guest-user.ts).
  user: z.object({
    name: z.string().optional(),
    comment: z.string().optional(),
    home: z.string().optional(),
    shell: z.string().optional(),
    uid: z.number().int().min(0).max(2 ** 32 - 2).optional(),
  }).optional(),
  // Host folders for the guest (src-main/core/mounts/): unset means Lima's default mounts, [] none.
  mounts: z.array(z.object({
    location,
    mountPoint: z.string().min(1).optional(),
    writable: z.boolean().optional(),
    '9p': z.object({
      securityModel: z.enum(['none', 'mapped-xattr', 'mapped-file', 'passthrough']).optional(),
      protocolVersion: z.enum(['9p2000', '9p2000.u', '9p2000.L']).optional(),
      msize: size.optional(),
      cache: z.enum(['none', 'loose', 'fscache', 'mmap', 'readahead']).optional(),
    }).optional(),
  })).optional(),
  mountType: z.string().min(1).optional(),
  mountTypesUnsupported: z.array(z.string()).optional(),
  ssh: z.object({
    /** 0 or unset: a free loopback port is chosen at each start. */
    localPort: z.number().int().min(0).max(65535)
      .refine((port) => port === 0 || port >= 1024, 'ports below 1024 are privileged on the host; use 1024 to 65535, or 0 to choose a free one at each start')
      .optional(),
    loadDotSSHPubKeys: z.boolean().optional(),
  }).optional(),
  // Lima's rules, checked here so a bad one fails at create (src-main/core/guest/port-rules.ts).
  portForwards: z.array(portForwardSchema).optional(),
});
export type LimaConfig = z.infer<typeof limaConfigSchema>;

// One template document before its bases are merged in: every field optional, and null allowed
// (Lima reads null as "unset"). Objects stay loose: unknown keys become warnings, not errors.
const map = z.record(z.string(), z.unknown(), 'expected a mapping');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const bool = z.boolean().nullish();
const text = z.string().nullish();
const fileDoc = z.looseObject({ location, arch: z.enum(arches).nullish(), digest: digest.nullish() });
const locator = z.union([z.string().min(1), z.looseObject({ url: z.string().min(1), digest: digest.nullish() })]);
const script = z.looseObject({ mode: text, script: text, file: locator.nullish() });

export const limaDocumentSchema = z.looseObject({
  base: z.union([locator, z.array(locator)]).nullish(),
  minimumLimaVersion: text,
  vmType: z.string().min(1).nullish(),
  vmOpts: map.nullish(),
  os: text,
  arch: z.enum(arches).nullish(),
  images: z.array(fileDoc.extend({
    kernel: fileDoc.extend({ cmdline: text }).nullish(),
    initrd: fileDoc.nullish(),
    variant: text,
  })).nullish(),
  cpuType: map.nullish(),
  cpus: z.number().int().min(1).max(maxCpus).nullish(),
  memory: size.nullish(),
  disk: size.nullish(),
  additionalDisks: z.array(z.union([z.string(), z.looseObject({ name: z.string().min(1) })])).nullish(),
  mounts: z.array(z.looseObject({ location, mountPoint: text, writable: bool })).nullish(),
  mountTypesUnsupported: z.array(z.string()).nullish(),
  mountType: text,
  mountInotify: bool,
  ssh: map.nullish(),
  firmware: map.nullish(),
  audio: map.nullish(),
  video: z.looseObject({ display: text, vnc: map.nullish() }).nullish(),
  networks: z.array(z.looseObject({ interface: text })).nullish(),
  provision: z.array(script).nullish(),
  probes: z.array(script).nullish(),
  containerd: z.looseObject({ system: bool, user: bool, archives: z.array(fileDoc).nullish() }).nullish(),
  portForwards: z.array(map).nullish(),
  copyToHost: z.array(map).nullish(),
  message: text,
  env: z.record(z.string(), scalar).nullish(),
  param: z.record(z.string(), scalar).nullish(),
  hostResolver: map.nullish(),
  dns: z.array(z.string()).nullish(),
  propagateProxyEnv: bool,
  caCerts: map.nullish(),
  rosetta: map.nullish(),
  timezone: text,
  nestedVirtualization: bool,
  user: map.nullish(),
  guestInstallPrefix: text,
  upgradePackages: bool,
  plain: bool,
  tpm: bool,
  osOpts: map.nullish(),
});
export type LimaDocument = z.infer<typeof limaDocumentSchema>;

export interface ParsedConfig {
  config: LimaConfig;
  warnings: string[];
}

/** One YAML file, parsed: its plain value, and a way to find the line of a field in it. */
export interface YamlFile {
  raw: Record<string, unknown>;
  source: string;
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Parses YAML text that must be a mapping; malformed YAML names the file, line and column. */
/**
 * The offset of the first mapping key that repeats an earlier key of the same mapping. The yaml
 * library's own check compares every key with every other (quadratic: 16k keys took seconds),
 * so it is turned off and done here with one set per mapping.
 */
function firstDuplicateKey(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : String(pair.key);
        if (seen.has(key)) {
          found = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? map.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

export function readYamlMapping(text: string, source: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const malformed = (offset: number, message: string): DriverError => {
    const at = lineCounter.linePos(offset);
    return new DriverError('INVALID_CONFIG', `${source}:${at.line}:${at.col}: malformed YAML: ${message}`, { field: null });
  };
  const yamlError = doc.errors[0];
  if (yamlError) throw malformed(yamlError.pos[0], yamlError.message.split('\n')[0] ?? '');
  const duplicate = firstDuplicateKey(doc);
  if (duplicate !== undefined) throw malformed(duplicate, 'Map keys must be unique');
  if (!isMap(doc.contents)) throw new DriverError('INVALID_CONFIG', `${source}: expected a YAML mapping of lima.yaml fields`, { field: null });
  const lineOf = (fieldPath: readonly (string | number)[]): number | undefined => {
    // The deepest node that exists: a missing field is reported at its parent's line.
    for (let depth = fieldPath.length; depth > 0; depth--) {
      const node = doc.getIn(fieldPath.slice(0, depth).map(String), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  let raw: Record<string, unknown>;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    // yaml refuses aliases that would expand into a huge value (a "billion laughs" file).
    throw new DriverError('INVALID_CONFIG', `${source}: its YAML aliases (*name) expand too far to be read (${(error as Error).message}); write the values out instead`, { field: null });
  }
  return { raw, source, lineOf };
}

/** `images[0].digest` from a zod issue path. */
export function fieldName(fieldPath: readonly PropertyKey[]): string {
  return fieldPath.map(String).map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

/** Checks `file.raw` (or `value`) against `schema`; the error names the file, line and field. */
export function validateAgainst<T extends z.ZodType>(schema: T, file: Pick<YamlFile, 'source'> & Partial<YamlFile>, value: unknown = file.raw): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const fieldPath = issue ? issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) : [];
  const field = fieldName(fieldPath);
  const line = file.lineOf?.(fieldPath);
  throw new DriverError('INVALID_CONFIG', `${file.source}${line ? `:${line}` : ''}: field "${field || '(root)'}": ${issue?.message ?? 'invalid'}`, { field: field || null });
}

/** Parses lima.yaml text; `source` names the file in messages. */
export function parseLimaConfig(text: string, source: string): ParsedConfig {
  const file = readYamlMapping(text, source);
  const config = validateAgainst(limaConfigSchema, file);
  return { config, warnings: fieldWarnings(file.raw, source) };
}

/**
 * The fields of `raw` that are valid on their own, the rest left out (defaults apply): what an
 * unreadable lima.yaml still says, so a Broken instance can be listed and deleted.
 */
export function salvageConfig(raw: unknown): LimaConfig {
  const fields = typeof raw === 'object' && raw !== null ? raw as Record<string, unknown> : {};
  const kept: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(limaConfigSchema.shape)) {
    if (key !== 'images' && fields[key] !== undefined && schema.safeParse(fields[key]).success) kept[key] = fields[key];
  }
  return { ...(kept as Partial<LimaConfig>), images: [] }; // each kept value passed its field's schema
}

/** Lima's defaults, applied when the config leaves a field out. */
export const configDefaults = { vmType: 'qemu', cpus: 4, memory: '4GiB', disk: '100GiB', display: 'none' } as const;
