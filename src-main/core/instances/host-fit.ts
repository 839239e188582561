// Whether this host can give an instance what its config asks for, checked at create and edit
// so `--memory 1TiB` is refused then, not at the first start. Memory beyond RAM and swap
// together can never be had (QEMU fails to allocate it): refused. Memory beyond what is free
// right now, or more CPUs than the host has, can run but slowly: warnings.
import fs from 'node:fs/promises';
import os from 'node:os';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { EffectiveConfig } from './effective.ts';
import type { FieldWarning } from './field-warning.ts';
import { formatSize } from './sizes.ts';

export interface HostCapacity {
  cores: number;
  memoryBytes: number;
  swapBytes: number;
  availableBytes: number;
}

/** This host's cores, memory, swap and memory available now (/proc/meminfo where there is one). */
export async function hostCapacity(): Promise<HostCapacity> {
  const meminfo = await fs.readFile('/proc/meminfo', 'utf8').catch(() => '');
  const kib = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(meminfo);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  return {
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    swapBytes: kib('SwapTotal') ?? 0,
    availableBytes: kib('MemAvailable') ?? os.freemem(),
  };
}

/** Warnings for what the host can give only in part; throws when it can never give it. */
export function checkHostFit(config: Pick<EffectiveConfig, 'cpus' | 'memoryBytes'>, host: HostCapacity, asked: { cpus: boolean; memory: boolean }): FieldWarning[] {
  const memory = formatSize(config.memoryBytes);
  const ceiling = host.memoryBytes + host.swapBytes;
  if (config.memoryBytes > ceiling) {
    throw new DriverError('INVALID_CONFIG',
      `memory ${memory} is more than this host has (${gib(host.memoryBytes)} of memory, ${gib(host.swapBytes)} of swap); ask for at most ${gib(ceiling)}, e.g. --memory 4GiB`,
      { field: 'memory', hostBytes: ceiling });
  }
  const warnings: FieldWarning[] = [];
  if (asked.memory && config.memoryBytes > host.availableBytes) {
    warnings.push({ field: 'memory', message: `memory ${memory} is more than the ${gib(host.availableBytes)} this host has free now; the instance may be slow or fail to start` });
  }
  if (asked.cpus && config.cpus > host.cores) {
    warnings.push({ field: 'cpus', message: `${config.cpus} CPUs is more than this host's ${host.cores} cores; the guest's CPUs will share them` });
  }
  return warnings;
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
