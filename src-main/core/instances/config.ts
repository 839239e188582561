// An instance's config: Lima's lima.yaml schema, the subset Corral runs today. Parsing turns
// YAML into a typed config or a DriverError naming the field (and line) that is wrong; fields
// Corral does not use yet are reported as warnings, never dropped silently.
import os from 'node:os';
import { LineCounter, isMap, parseDocument } from 'yaml';
import { z } from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { parseSize } from './sizes.ts';

const arches = ['x86_64', 'aarch64', 'riscv64', 'armv7l', 's390x', 'ppc64le'] as const;
export type Arch = (typeof arches)[number];

const size = z.union([z.string(), z.number()]).refine((v) => parseSize(v) !== undefined, {
  message: 'expected a size such as "256MiB", "4GiB" or a number of bytes',
});
const digest = z.string().regex(/^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/, 'expected "sha256:<64 hex>" or "sha512:<128 hex>"');
const location = z.string().min(1, 'expected a path, file:// or http(s):// URL');
const file = z.object({ location, arch: z.enum(arches).optional(), digest: digest.optional() });

export const limaConfigSchema = z.object({
  vmType: z.string().min(1).optional(),
  arch: z.enum(arches).optional(),
  cpus: z.number().int().min(1).max(512).optional(),
  memory: size.optional(),
  disk: size.optional(),
  images: z.array(file.extend({
    kernel: file.extend({ cmdline: z.string().optional() }).optional(),
    initrd: file.optional(),
  })).min(1, 'at least one image is needed'),
  video: z.object({ display: z.string().optional() }).optional(),
  containerd: z.object({
    system: z.boolean().optional(),
    user: z.boolean().optional(),
    archives: z.array(file).optional(),
  }).optional(),
});
export type LimaConfig = z.infer<typeof limaConfigSchema>;

/** Top-level Lima fields Corral accepts but does not act on yet: each one is a warning. */
const knownButUnused = new Set([
  'base', 'minimumLimaVersion', 'vmOpts', 'os', 'cpuType', 'mounts', 'mountType', 'mountInotify', 'mountTypesUnsupported',
  'ssh', 'firmware', 'audio', 'networks', 'provision', 'probes', 'portForwards', 'copyToHost', 'message', 'env', 'param',
  'hostResolver', 'dns', 'propagateProxyEnv', 'caCerts', 'rosetta', 'timezone', 'nestedVirtualization', 'user',
  'guestInstallPrefix', 'additionalDisks', 'upgradePackages', 'plain', 'nerdctl',
]);

export interface ParsedConfig {
  config: LimaConfig;
  warnings: string[];
}

/** Parses lima.yaml text; `source` names the file in messages. */
export function parseLimaConfig(text: string, source: string): ParsedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = lineCounter.linePos(yamlError.pos[0]);
    throw new DriverError('INVALID_CONFIG', `${source}:${at.line}:${at.col}: malformed YAML: ${yamlError.message.split('\n')[0]}`, { field: null });
  }
  if (!isMap(doc.contents)) throw new DriverError('INVALID_CONFIG', `${source}: expected a YAML mapping of lima.yaml fields`, { field: null });
  const raw: unknown = doc.toJS();
  const parsed = limaConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const fieldPath = issue ? issue.path.map(String) : [];
    const field = fieldPath.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
    const node = doc.getIn(fieldPath, true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    throw new DriverError('INVALID_CONFIG', `${source}${line ? `:${line}` : ''}: field "${field || '(root)'}": ${issue?.message ?? 'invalid'}`, { field: field || null });
  }
  const known = new Set(Object.keys(limaConfigSchema.shape));
  const warnings = Object.keys(raw as object)
    .filter((key) => !known.has(key))
    .map((key) => knownButUnused.has(key)
      ? `${source}: field "${key}" is not supported by Corral yet and is ignored`
      : `${source}: unknown field "${key}" is ignored`);
  return { config: parsed.data, warnings };
}

export function hostArch(): Arch {
  const map: Record<string, Arch> = { x64: 'x86_64', arm64: 'aarch64', riscv64: 'riscv64', arm: 'armv7l', s390x: 's390x', ppc64: 'ppc64le' };
  return map[os.arch()] ?? 'x86_64';
}

/** Lima's defaults, applied when the config leaves a field out. */
export const configDefaults = { vmType: 'qemu', cpus: 4, memory: '4GiB', disk: '100GiB', display: 'none' } as const;
