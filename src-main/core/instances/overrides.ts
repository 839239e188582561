// What a user may change of a config at create and edit (--cpus, --memory, --disk, the driver,
// the display), checked in the words of the flag and then against the loader's own schema, so
// nothing accepted here is ever unreadable later.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { limaConfigSchema, maxCpus, validateAgainst } from './config.ts';
import type { LimaConfig } from './config.ts';
import { parseSize } from './sizes.ts';

export interface ConfigOverrides {
  cpus?: number | undefined;
  memory?: string | undefined;
  disk?: string | undefined;
  driver?: string | undefined;
  display?: 'vnc' | 'none' | undefined;
}

/** `config` with `options` applied; INVALID_CONFIG naming the flag when one is wrong. */
export function applyOverrides(config: LimaConfig, options: ConfigOverrides): LimaConfig {
  const size = (value: string | undefined, flag: string): string | undefined => {
    if (value === undefined) return undefined;
    if (parseSize(value) === undefined) throw new DriverError('INVALID_CONFIG', `--${flag} "${value}" is not a size; use e.g. 512MiB or 4GiB`, { field: flag });
    return value;
  };
  if (options.cpus !== undefined && (!Number.isInteger(options.cpus) || options.cpus < 1)) {
    throw new DriverError('INVALID_CONFIG', `--cpus must be a whole number of at least 1, not ${options.cpus}`, { field: 'cpus' });
  }
  if (options.cpus !== undefined && options.cpus > maxCpus) {
    throw new DriverError('INVALID_CONFIG', `--cpus ${options.cpus} is more than ${maxCpus}, the most an instance can have`, { field: 'cpus' });
  }
  const result: LimaConfig = {
    ...config,
    ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
    ...(options.memory !== undefined ? { memory: size(options.memory, 'memory') } : {}),
    ...(options.disk !== undefined ? { disk: size(options.disk, 'disk') } : {}),
    ...(options.driver !== undefined ? { vmType: options.driver } : {}),
    ...(options.display !== undefined ? { video: { ...config.video, display: options.display } } : {}),
  };
  // The loader's own schema, so what is accepted here is always readable back.
  return validateAgainst(limaConfigSchema(), { source: 'the requested config' }, result);
}
