// Merging one base into a template, with Lima's rules (pkg/limatmpl/embed.go, mergeDocuments):
// - a field the template has (even as null) wins; the base only fills in what is missing,
//   deeply for mappings;
// - a list present in both is concatenated, template entries first, except `base`,
//   `provision` and `probes`, where the base's entries come first;
// - `dns` of the base is dropped when the template has a `dns` field at all;
// - `mountTypesUnsupported` keeps each value once;
// - `minimumLimaVersion` and `vmOpts.qemu.minimumVersion` keep the higher version.
// Lima also concatenates lists nested inside list entries index by index; no real template
// relies on that, so lists inside list entries are left as the template has them.
import { cloneValue, isYamlMap } from './values.ts';
import type { YamlMap } from './values.ts';

const baseFirst = new Set(['base', 'provision', 'probes']);

function mergeMaps(template: YamlMap, base: YamlMap, topKey: string | undefined): YamlMap {
  const out: YamlMap = { ...template };
  for (const [key, baseValue] of Object.entries(base)) {
    if (!(key in template)) {
      out[key] = cloneValue(baseValue);
      continue;
    }
    const value = template[key];
    const listKey = topKey ?? key;
    if (isYamlMap(value) && isYamlMap(baseValue)) out[key] = mergeMaps(value, baseValue, listKey);
    else if (Array.isArray(value) && Array.isArray(baseValue)) {
      out[key] = baseFirst.has(listKey) ? [...cloneValue(baseValue), ...value] : [...value, ...cloneValue(baseValue)];
    }
  }
  return out;
}

/** Compares dotted version numbers ("2.0.0" < "2.1.0"); non-numeric parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.replace(/^v/, '').split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function higherVersion(template: unknown, base: unknown): unknown {
  if (typeof template === 'string' && typeof base === 'string' && compareVersions(base, template) > 0) return base;
  return template;
}

function qemuOpts(document: YamlMap): YamlMap | undefined {
  const vmOpts = document.vmOpts;
  return isYamlMap(vmOpts) && isYamlMap(vmOpts.qemu) ? vmOpts.qemu : undefined;
}

/** `template` with `base` merged in. Neither input is modified; `base` must have no bases left. */
export function mergeBase(template: YamlMap, base: YamlMap): YamlMap {
  const baseDocument = 'dns' in template ? Object.fromEntries(Object.entries(base).filter(([key]) => key !== 'dns')) : base;
  const out = mergeMaps(template, baseDocument, undefined);
  if ('minimumLimaVersion' in template) out.minimumLimaVersion = higherVersion(template.minimumLimaVersion, base.minimumLimaVersion);
  const templateQemu = qemuOpts(template);
  const baseQemu = qemuOpts(base);
  const outQemu = qemuOpts(out);
  if (templateQemu && baseQemu && outQemu && 'minimumVersion' in templateQemu) {
    outQemu.minimumVersion = higherVersion(templateQemu.minimumVersion, baseQemu.minimumVersion);
  }
  if (Array.isArray(out.mountTypesUnsupported)) out.mountTypesUnsupported = [...new Set(out.mountTypesUnsupported)];
  return out;
}
