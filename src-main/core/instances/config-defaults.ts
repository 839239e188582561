// Lima's defaults for what a config leaves out. CPUs and memory depend on the host, as in Lima's
// pkg/limayaml/defaults.go: 4 CPUs but never more than the host has, 4 GiB but never more than
// half its memory. So a template without `cpus` gets 2 on a 2-core machine, not 4.
import os from 'node:os';
import { formatSize } from './sizes.ts';

export interface DefaultsHost {
  cpus: number;
  memoryBytes: number;
}

const mib = 1024 ** 2;
const cpusCap = 4;
const memoryCap = 4 * 1024 ** 3;

/** The defaults on a host with these CPUs and memory (half the memory, rounded down to a MiB). */
export function configDefaultsFor(host: DefaultsHost) {
  const halfMemory = Math.floor(host.memoryBytes / 2 / mib) * mib;
  return {
    vmType: 'qemu',
    cpus: Math.max(1, Math.min(cpusCap, host.cpus)),
    memory: formatSize(Math.max(mib, Math.min(memoryCap, halfMemory))),
    disk: '100GiB',
    display: 'none',
  } as const;
}

let onThisHost: ReturnType<typeof configDefaultsFor> | undefined;

/**
 * The defaults on this host, asked of the OS once per process: every effectiveConfig call (one
 * per instance of a list, a create, an edit) wants them, and they are read-only.
 */
export function configDefaults(): ReturnType<typeof configDefaultsFor> {
  onThisHost ??= Object.freeze(configDefaultsFor({ cpus: os.availableParallelism(), memoryBytes: os.totalmem() }));
  return onThisHost;
}
