// A stored config with Lima's defaults filled in: the numbers the UI shows and the driver gets.
import type { InstanceSpec } from '../../../src-drivers/sdk/protocol.ts';
import { hostArch } from '../../../src-drivers/sdk/host-arch.ts';
import { configDefaults } from './config-defaults.ts';
import type { Arch, LimaConfig } from './config.ts';
import { parseSize } from './sizes.ts';
import { connectionOf } from '../connections/connection-of.ts';

export interface EffectiveConfig {
  vmType: string;
  /** Where it runs: "local" (the QEMU driver), a driver's default connection, or a named one. */
  connection: string;
  arch: Arch;
  cpus: number;
  memoryBytes: number;
  diskBytes: number;
  display: InstanceSpec['config']['display'];
}

export function effectiveConfig(config: LimaConfig): EffectiveConfig {
  const defaults = configDefaults();
  return {
    vmType: config.vmType ?? defaults.vmType,
    connection: connectionOf(config),
    arch: config.arch ?? hostArch(),
    cpus: config.cpus ?? defaults.cpus,
    memoryBytes: parseSize(config.memory ?? defaults.memory) ?? 0,
    diskBytes: parseSize(config.disk ?? defaults.disk) ?? 0,
    display: config.video?.display === 'vnc' ? 'vnc' : 'none',
  };
}
