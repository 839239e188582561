// The boot flow's files on the cidata disk (flat, in its root folder) and what user-data adds to
// run them: the boot script, the instance's facts (corral.env), the template's env and params,
// one file per provision entry and probe, and the order of the steps (corral-steps).
import type { IsoEntry } from './iso9660.ts';
import { bootScript, stageCommand } from './boot-script.ts';

export type BootMode = 'boot' | 'dependency' | 'data' | 'system' | 'user';

/** One `provision` entry of lima.yaml, as config.ts checked it. */
export interface BootProvision {
  mode?: BootMode | 'yq' | 'ansible' | undefined;
  script?: string | undefined;
  path?: string | undefined;
  content?: string | undefined;
  owner?: string | undefined;
  permissions?: string | number | undefined;
  overwrite?: boolean | undefined;
}

export interface BootProbe {
  script: string;
  description?: string | undefined;
  hint?: string | undefined;
}

type Scalar = string | number | boolean;

export interface BootFlowOptions {
  instanceId: string;
  user: { name: string; uid: number; home: string };
  provision?: readonly BootProvision[] | undefined;
  probes?: readonly BootProbe[] | undefined;
  env?: Readonly<Record<string, Scalar>> | undefined;
  param?: Readonly<Record<string, Scalar>> | undefined;
}

/** A step the guest reports by name: `provision-02-system` is provision[2], mode system. */
export interface BootStep {
  name: string;
  index: number;
  mode: BootMode;
}

export interface BootFlow {
  entries: IsoEntry[];
  steps: BootStep[];
  /** cloud-init's bootcmd (every boot, early) and write_files (the per-boot runner). */
  bootcmd: string[][];
  writeFiles: { path: string; content: string; owner: string; permissions: string }[];
}

// Lima's execution order: boot (cloud-init's bootcmd), dependency, data, system, user.
const order: readonly BootMode[] = ['boot', 'dependency', 'data', 'system', 'user'];

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const pad = (index: number): string => String(index).padStart(2, '0');
const envLines = (values: Readonly<Record<string, Scalar>>, prefix = ''): string =>
  Object.entries(values).map(([key, value]) => `${prefix}${key}=${String(value)}\n`).join('');

/**
 * Lima's guest template fields in a script, data or owner: {{.Param.NAME}} (PARAM_NAME is in the
 * environment too), {{.User}}, {{.UID}}, {{.Home}}. Anything else is left as written.
 */
function filled(text: string, options: BootFlowOptions): string {
  const param = options.param ?? {};
  return text.replace(/\{\{-?\s*\.(User|UID|Home|Param\.([a-zA-Z][a-zA-Z0-9_]*))\s*-?\}\}/g, (whole, field: string, key: string | undefined) => {
    if (field === 'User') return options.user.name;
    if (field === 'UID') return String(options.user.uid);
    if (field === 'Home') return options.user.home;
    return key !== undefined && param[key] !== undefined ? String(param[key]) : whole;
  });
}

/** Files and cloud-config for the boot flow of one start. */
export function bootFlow(options: BootFlowOptions): BootFlow {
  const param = options.param ?? {};
  const provision = (options.provision ?? []).map((entry, index) => ({ entry, index, mode: entry.mode ?? 'system' }));
  const runnable = provision.filter((p): p is typeof p & { mode: BootMode } => (order as readonly string[]).includes(p.mode));
  runnable.sort((a, b) => order.indexOf(a.mode) - order.indexOf(b.mode) || a.index - b.index);
  const entries: IsoEntry[] = [];
  const steps: BootStep[] = [];
  for (const { entry, index, mode } of runnable) {
    const name = `provision-${pad(index)}-${mode}`;
    steps.push({ name, index, mode });
    if (mode === 'data') {
      entries.push({ name, data: text(filled(entry.content ?? '', options)) });
      const meta = { path: entry.path ?? '', owner: filled(entry.owner ?? 'root:root', options), permissions: String(entry.permissions ?? '644'), overwrite: String(entry.overwrite ?? true) };
      entries.push({ name: `${name}.env`, data: text(envLines(meta)) });
    } else {
      entries.push({ name: `${name}.sh`, data: text(filled(entry.script ?? '', options)), mode: 0o555 });
    }
  }
  (options.probes ?? []).forEach((probe, index) => entries.push({ name: `probe-${pad(index)}.sh`, data: text(filled(probe.script, options)), mode: 0o555 }));
  const facts = { CORRAL_IID: options.instanceId, CORRAL_USER: options.user.name, CORRAL_UID: options.user.uid, CORRAL_HOME: options.user.home, CORRAL_STEPS: steps.length };
  entries.push(
    { name: 'corral-boot.sh', data: text(bootScript), mode: 0o555 },
    { name: 'corral.env', data: text(envLines(facts)) },
    { name: 'corral-etc-environment', data: text(envLines(options.env ?? {})) },
    { name: 'corral-param.env', data: text(envLines(param, 'PARAM_')) },
    { name: 'corral-steps', data: text(steps.map((s) => (s.mode === 'data' ? s.name : `${s.name}.sh`)).join('\n') + (steps.length ? '\n' : '')) },
  );
  return {
    entries,
    steps,
    bootcmd: [['sh', '-c', stageCommand('early')]], // argv form: its own shell, so its `exit` ends only it
    writeFiles: [{
      path: '/var/lib/cloud/scripts/per-boot/00-corral-boot.sh',
      content: `#!/bin/sh\n# Corral's boot flow, stage main (rewritten at every start).\n${stageCommand('main')}\n`,
      owner: 'root:root',
      permissions: '0755',
    }],
  };
}
