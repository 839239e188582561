// The create dialog's checks of its resource fields, in the dialog's words: errors that stop
// Create, and warnings about what this host cannot fully give (it still creates).
import type { HostInfo } from '../../../src-main/api/contract.ts';
import { formatBytes } from '../../ui/format.ts';
import { sizeBytes } from '../../ui/size.ts';

export interface FieldCheck {
  error?: string;
  warning?: string;
}

export function checkCpus(value: string, host: HostInfo | undefined): FieldCheck {
  const cpus = Number(value);
  if (value.trim() === '' || !Number.isInteger(cpus) || cpus < 1) return { error: 'Enter a whole number of CPUs, 1 or more.' };
  if (host && cpus > host.cpus) return { warning: `This computer has ${host.cpus} CPUs; the guest’s ${cpus} will share them and run slower.` };
  return {};
}

export function checkMemory(value: string, host: HostInfo | undefined): FieldCheck {
  const bytes = sizeBytes(value, { unitRequired: true });
  if (bytes === undefined) return { error: 'Enter a size with its unit, such as 512MiB or 4GiB.' };
  if (bytes < 64 * 1024 ** 2) return { error: 'Give it at least 64MiB.' };
  if (host && bytes > host.memoryBytes) return { warning: `More than this computer’s ${formatBytes(host.memoryBytes)} of memory: it may not start, or run very slowly.` };
  return {};
}

export function checkDisk(value: string): FieldCheck {
  const bytes = sizeBytes(value, { unitRequired: true });
  if (bytes === undefined) return { error: 'Enter a size with its unit, such as 20GiB.' };
  if (bytes < 512 * 1024 ** 2) return { error: 'Give it at least 512MiB.' };
  return {};
}
