// An instance's config: Lima's lima.yaml schema, the subset Corral runs today. Parsing turns
// YAML into a typed config or a DriverError naming the field (and line) that is wrong; fields
// Corral does not use yet are reported as warnings, never dropped silently.
import { LineCounter, isMap, isScalar, parseDocument, visit } from 'yaml';
import type { Document } from 'yaml';
import * as z from 'zod';
import { lazySchema } from '../../../src-drivers/sdk/lazy-schema.ts';
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

// Lima's provisioning (src-main/core/cidata/boot-files.ts turns it into the guest's boot flow).
/** The modes Corral runs, in the order the guest runs them. yq and ansible are Lima's too: skipped with a warning. */
export const provisionModes = ['boot', 'dependency', 'data', 'system', 'user'] as const;
export type ProvisionMode = (typeof provisionModes)[number];
const skippedModes = ['yq', 'ansible'] as const;
/** A value the guest gets on one line of an env file: no newline or other control character. */
const oneLine = z.union([z.string(), z.number(), z.boolean()]).refine((v) => ![...String(v)].some((c) => c < ' ' || c === '\x7f'), 'expected a value on one line (no newline or control character)');
const provisionEntry = lazySchema(() => z.object({
  mode: z.enum([...provisionModes, ...skippedModes], { error: () => `unknown mode: expected one of ${provisionModes.join(', ')}` }).optional(),
  script: z.string().optional(),
  // mode data: Lima's fields and defaults (owner root:root, permissions 644, overwrite true).
  path: z.string().regex(/^[^\n]*$/, 'expected a path on one line').optional(),
  content: z.string().optional(),
  // "user" or "user:group"; Lima's templates write "{{.User}}" (filled in at start).
  owner: z.string().regex(/^[^\s:]+(:[^\s:]+)?$/, 'expected "user" or "user:group"').optional(),
  permissions: z.union([z.string().regex(/^[0-7]{3,4}$/, 'expected octal permissions such as "644"'), z.number().int()]).optional(),
  overwrite: z.boolean().optional(),
}).superRefine((entry, ctx) => {
  const mode = entry.mode ?? 'system';
  if (mode === 'data') {
    if (!entry.path?.startsWith('/')) ctx.addIssue({ code: 'custom', path: ['path'], message: 'a data entry needs `path:`, the absolute path of the file to write in the guest' });
  } else if ((skippedModes as readonly string[]).includes(mode)) {
    // Kept, and skipped with a warning at create (fields.ts), so Lima's templates still load.
  } else if (!entry.script?.trim()) {
    ctx.addIssue({ code: 'custom', path: ['script'], message: `a provision entry of mode ${mode} needs \`script:\`, the script to run` });
  }
}));
export type ProvisionEntry = z.infer<ReturnType<typeof provisionEntry>>;
const probeEntry = lazySchema(() => z.object({
  mode: z.enum(['readiness'], { error: () => 'unknown mode: expected readiness' }).optional(),
  description: z.string().optional(),
  script: z.string({ error: () => 'a probe needs `script:`, the script that exits 0 once the guest is ready' }).refine((s) => s.trim() !== '', 'a probe needs `script:`, the script that exits 0 once the guest is ready'),
  hint: z.string().optional(),
}));
export type ProbeEntry = z.infer<ReturnType<typeof probeEntry>>;
// zod reports a bad record key as "Invalid key in record": the record's own error says what a key must be.
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
const paramName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/);
const keyError = (what: string) => ({ error: (issue: { code: string }) => (issue.code === 'invalid_key' ? what : undefined) });

/** PARAM_X and {{.Param.X}} in the scripts of `provision` and `probes` (Lima's two spellings). */
export function paramsUsed(texts: readonly string[]): string[] {
  const used = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/\bPARAM_([a-zA-Z][a-zA-Z0-9_]*)\b|\{\{[^}]*\.Param\.([a-zA-Z][a-zA-Z0-9_]*)[^}]*\}\}/g)) used.add(match[1] ?? match[2] ?? '');
  }
  return [...used];
}

export const limaConfigSchema = lazySchema(() => z.object({
  vmType: z.string().min(1).optional(),
  /** Corral's: the named connection the instance runs on (core/connections); unset, its driver's default. */
  connection: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/).optional(),
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
  provision: z.array(provisionEntry()).optional(),
  probes: z.array(probeEntry()).optional(),
  env: z.record(envName, oneLine, keyError('expected a variable name (letters, digits, _)')).optional(),
  param: z.record(paramName, oneLine, keyError('expected a param name (a letter, then letters, digits, _)')).optional(),
  /** Shown to the user once the guest is ready. */
  message: z.string().optional(),
}).superRefine((config, ctx) => {
  // A script reading a param nobody set would run with it empty: refused at create, like Lima.
  const scripts = [...(config.provision ?? []).flatMap((p) => [p.script ?? '', p.content ?? '']), ...(config.probes ?? []).map((p) => p.script)];
  for (const name of paramsUsed(scripts)) {
    if (config.param?.[name] === undefined) ctx.addIssue({ code: 'custom', path: ['param'], message: `PARAM_${name} is used by a script but not defined; add "${name}" under param:` });
  }
}));
export type LimaConfig = z.infer<ReturnType<typeof limaConfigSchema>>;

// One template document before its bases are merged in: every field optional, and null allowed
// (Lima reads null as "unset"). Objects stay loose: unknown keys become warnings, not errors.
const map = z.record(z.string(), z.unknown(), 'expected a mapping');
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const bool = z.boolean().nullish();
const text = z.string().nullish();
const fileDoc = z.looseObject({ location, arch: z.enum(arches).nullish(), digest: digest.nullish() });
const locator = z.union([z.string().min(1), z.looseObject({ url: z.string().min(1), digest: digest.nullish() })]);
const script = z.looseObject({ mode: text, script: text, file: locator.nullish() });

export const limaDocumentSchema = lazySchema(() => z.looseObject({
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
}));
export type LimaDocument = z.infer<ReturnType<typeof limaDocumentSchema>>;

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
  const config = validateAgainst(limaConfigSchema(), file);
  return { config, warnings: fieldWarnings(file.raw, source) };
}

/**
 * The fields of `raw` that are valid on their own, the rest left out (defaults apply): what an
 * unreadable lima.yaml still says, so a Broken instance can be listed and deleted.
 */
export function salvageConfig(raw: unknown): LimaConfig {
  const fields = typeof raw === 'object' && raw !== null ? raw as Record<string, unknown> : {};
  const kept: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(limaConfigSchema().shape)) {
    if (key !== 'images' && fields[key] !== undefined && schema.safeParse(fields[key]).success) kept[key] = fields[key];
  }
  return { ...(kept as Partial<LimaConfig>), images: [] }; // each kept value passed its field's schema
}

