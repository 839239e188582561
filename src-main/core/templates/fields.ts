// Which lima.yaml fields Corral acts on, which are harmless information, and which it does not
// support yet. Every field a template sets that Corral will not act on becomes a warning that
// names it (nested ones by their path, e.g. `video.vnc`), so nothing is dropped silently.
import { isYamlMap } from './values.ts';

/** used: Corral acts on it. meta: information only (nothing to act on). unsupported: a warning. */
export type FieldUse = 'used' | 'meta' | 'unsupported' | { fields: Record<string, FieldUse> } | { each: FieldUse };

const file = { fields: { location: 'used', arch: 'used', digest: 'used' } } as const satisfies FieldUse;

/** The whole lima.yaml schema as Corral sees it; a key missing here is an unknown field. */
export const limaFields: { fields: Record<string, FieldUse> } = {
  fields: {
    vmType: 'used', os: 'used', arch: 'used', cpus: 'used', memory: 'used', disk: 'used',
    images: {
      each: {
        fields: {
          ...file.fields,
          // Labels that Lima's --image-variant/--arch-variant flags filter on; without those
          // flags Lima, like Corral, takes the first image of the arch, so they change nothing.
          variant: 'meta',
          archVariant: 'meta',
          kernel: { fields: { ...file.fields, cmdline: 'used' } },
          initrd: file,
        },
      },
    },
    video: { fields: { display: 'used', vnc: 'unsupported' } },
    containerd: { fields: { system: 'used', user: 'used', archives: { each: file } } },
    user: { fields: { name: 'used', comment: 'used', home: 'used', shell: 'used', uid: 'used' } },
    ssh: { fields: { localPort: 'used', loadDotSSHPubKeys: 'used', forwardAgent: 'unsupported', forwardX11: 'unsupported', forwardX11Trusted: 'unsupported', overVsock: 'unsupported' } },
    portForwards: { each: { fields: Object.fromEntries([
      'guestIP', 'guestIPMustBeZero', 'guestPort', 'guestPortRange', 'guestSocket', 'hostIP', 'hostPort', 'hostPortRange', 'hostSocket', 'proto', 'ignore', 'static', 'reverse',
    ].map((name) => [name, 'used' as const])) } },
    mounts: {
      each: {
        fields: {
          location: 'used', mountPoint: 'used', writable: 'used',
          '9p': { fields: { securityModel: 'used', protocolVersion: 'used', msize: 'used', cache: 'used' } },
          sshfs: 'unsupported', virtiofs: 'unsupported',
        },
      },
    },
    mountType: 'used', mountTypesUnsupported: 'used',
    provision: {
      each: {
        fields: {
          mode: 'used', script: 'used', path: 'used', content: 'used', owner: 'used', permissions: 'used', overwrite: 'used',
          file: 'unsupported', expression: 'unsupported', format: 'unsupported', playbook: 'unsupported', skipDefaultDependencyResolution: 'unsupported',
        },
      },
    },
    probes: { each: { fields: { mode: 'used', description: 'used', script: 'used', hint: 'used', file: 'unsupported' } } },
    env: 'used', param: 'used', message: 'used',
    // Consumed by the loader (base) or only a version gate for Lima itself.
    base: 'meta', minimumLimaVersion: 'meta',
    ...Object.fromEntries([
      'vmOpts', 'cpuType', 'mountInotify', 'firmware', 'audio',
      'networks', 'copyToHost', 'hostResolver', 'dns',
      'propagateProxyEnv', 'caCerts', 'rosetta', 'timezone', 'nestedVirtualization', 'guestInstallPrefix',
      'additionalDisks', 'upgradePackages', 'plain', 'nerdctl', 'tpm', 'osOpts',
    ].map((name) => [name, 'unsupported' as const])),
  },
};

export interface FieldProblem {
  field: string;
  kind: 'unsupported' | 'unknown';
}

/** Null and false mean "unset / off", which is what Corral does anyway; an empty list still counts. */
function hasContent(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (isYamlMap(value)) return Object.values(value).some(hasContent);
  return true;
}

function walk(value: unknown, use: FieldUse, field: string, out: FieldProblem[]): void {
  if (!hasContent(value) || use === 'used' || use === 'meta') return;
  if (use === 'unsupported') {
    out.push({ field, kind: 'unsupported' });
  } else if ('fields' in use) {
    if (!isYamlMap(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const childUse = use.fields[key];
      const path = field ? `${field}.${key}` : key;
      if (childUse) walk(child, childUse, path, out);
      else if (hasContent(child)) out.push({ field: path, kind: 'unknown' });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, use.each, `${field}[${index}]`, out));
  }
}

/** The fields of a lima.yaml document Corral will not act on. */
export function fieldProblems(document: Record<string, unknown>): FieldProblem[] {
  const out: FieldProblem[] = [];
  walk(document, limaFields, '', out);
  return out;
}

export function fieldWarnings(document: Record<string, unknown>, source: string): string[] {
  return [...fieldProblems(document).map(({ field, kind }) => kind === 'unsupported'
    ? `${source}: field "${field}" is not supported by Corral yet and is ignored`
    : `${source}: unknown field "${field}" is ignored`), ...skippedProvisionWarnings(document, source)];
}

/** Lima's yq and ansible provision modes load (Lima's templates use yq) but do not run. */
function skippedProvisionWarnings(document: Record<string, unknown>, source: string): string[] {
  const provision = Array.isArray(document.provision) ? document.provision as unknown[] : [];
  return provision.flatMap((entry, index) => {
    const mode = isYamlMap(entry) ? entry.mode : undefined;
    return mode === 'yq' || mode === 'ansible' ? [`${source}: field "provision[${index}]": mode ${mode} is not supported by Corral yet; this entry is skipped`] : [];
  });
}
