// Lima's defaults for what a template leaves out, so the resolved template says everything the
// instance will get. Only missing (or null) fields are filled; a list the template has is kept
// whole (defaults never concatenate, unlike bases). The nerdctl-full archives come from
// assets/templates/_defaults.yaml, facts taken from Lima's pkg/limayaml/containerd.yaml.
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hostArch } from '../../../src-drivers/sdk/host-arch.ts';
import { limaDocumentSchema, readYamlMapping, validateAgainst } from '../instances/config.ts';
import { configDefaults } from '../instances/config-defaults.ts';
import { cloneValue, isYamlMap } from './values.ts';
import type { YamlMap } from './values.ts';

export const defaultsFile = fileURLToPath(new URL('../../../assets/templates/_defaults.yaml', import.meta.url));

/** The defaults document: built-in values plus the file's (validated like any template). */
export async function loadDefaults(file: string | null = defaultsFile): Promise<YamlMap> {
  const host = configDefaults();
  const builtIn: YamlMap = {
    vmType: host.vmType, os: 'Linux', arch: hostArch(), cpus: host.cpus,
    memory: host.memory, disk: host.disk, video: { display: host.display },
    containerd: { system: false, user: true },
  };
  if (!file) return builtIn;
  const parsed = readYamlMapping(await fs.readFile(file, 'utf8'), file);
  validateAgainst(limaDocumentSchema(), parsed);
  return fillDefaults(parsed.raw, builtIn);
}

/** `document` with every missing or null field taken from `defaults` (deep for mappings). */
export function fillDefaults(document: YamlMap, defaults: YamlMap): YamlMap {
  const out: YamlMap = { ...document };
  for (const [key, value] of Object.entries(defaults)) {
    const current = out[key];
    if (current === null || current === undefined) out[key] = cloneValue(value);
    else if (isYamlMap(current) && isYamlMap(value)) out[key] = fillDefaults(current, value);
  }
  return out;
}

/** Lima gives an image (and its kernel, initrd) without `arch` the instance's arch. */
export function fillImageArch(document: YamlMap): void {
  if (!Array.isArray(document.images)) return;
  for (const image of document.images) {
    if (!isYamlMap(image)) continue;
    for (const file of [image, image.kernel, image.initrd]) {
      if (isYamlMap(file) && (file.arch === null || file.arch === undefined)) file.arch = document.arch;
    }
  }
}
