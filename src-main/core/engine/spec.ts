// The spec a driver gets for an instance, and the checks of what a driver declared that
// several operations make.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { InstanceSpec } from '../../../src-drivers/sdk/protocol.ts';
import type { DriverHost } from '../drivers/host.ts';
import type { LimaConfig } from '../instances/config.ts';
import type { LocalArtifacts } from '../instances/artifacts.ts';
import { withinReach } from '../instances/sandbox-reach.ts';
import { cacheLayout } from '../downloads/index.ts';
import { effectiveConfig } from '../instances/effective.ts';
import type { InstanceStore } from '../instances/store.ts';
import { checkLocations } from '../mounts/locations.ts';
import { resolveMounts } from '../mounts/resolve.ts';
import type { ResolvedMounts } from '../mounts/resolve.ts';
import type { CorralPaths } from '../paths.ts';

/** The spec a driver gets; artifacts only where the call needs them (create, start). */
export function instanceSpec(where: { paths: CorralPaths; store: InstanceStore }, name: string, config: LimaConfig, artifacts?: LocalArtifacts): InstanceSpec {
  const dir = where.store.dir(name);
  const effective = effectiveConfig(config);
  return {
    name,
    dir,
    runtimeDir: where.paths.runtimeDir(dir),
    config: {
      vmType: effective.vmType,
      arch: effective.arch,
      cpus: effective.cpus,
      memoryBytes: effective.memoryBytes,
      diskBytes: effective.diskBytes,
      display: effective.display,
      ...(artifacts ? { image: { path: artifacts.image } } : {}),
      ...(artifacts?.kernel ? { kernel: artifacts.kernel } : {}),
      ...(artifacts?.initrd ? { initrd: { path: artifacts.initrd } } : {}),
    },
  };
}

export async function requireCapability(host: DriverHost, capability: 'pause' | 'snapshots'): Promise<void> {
  const { capabilities } = await host.handshake();
  if (!capabilities[capability]) throw new DriverError('UNSUPPORTED', `driver ${host.name} does not support ${capability}`, { capability });
}

/**
 * The template's shared folders as this driver can serve them, every host folder checked
 * (`create`: Lima's default /tmp/lima is made, as Lima makes it at start).
 */
export async function driverMounts(host: DriverHost, config: LimaConfig, options: { create: boolean }): Promise<ResolvedMounts> {
  const { capabilities } = await host.handshake();
  const mounts = resolveMounts(config, { driver: host.name, supported: capabilities.mounts });
  await checkLocations(mounts, options);
  return mounts;
}

/** Local files made readable for a sandboxed driver (see sandbox-reach.ts); as they are for others. */
export async function inReachOf(host: DriverHost, artifacts: LocalArtifacts, cacheDir: string): Promise<LocalArtifacts> {
  return host.isolation?.kind === 'sandboxed' ? withinReach(artifacts, cacheLayout(cacheDir).root) : artifacts;
}
