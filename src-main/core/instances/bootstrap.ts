// The guest's first-boot data: a NoCloud cidata disk in the instance folder, rewritten at every
// start so it always matches the config: the guest user (Lima's `user:` defaults), Corral's SSH
// key (and ~/.ssh/*.pub when asked), the NIC's MAC, a new instance-id, and the nerdctl archive
// when containerd is on. Also records where SSH reaches the guest (guest-endpoint.json), when
// the driver forwards a port to it.
import path from 'node:path';
import type { InstanceSpec } from '../../../src-drivers/sdk/protocol.ts';
import { cidataFiles, newInstanceId, resolveGuestUser, writeCidataIso } from '../cidata/index.ts';
import type { CidataMount } from '../cidata/index.ts';
import { authorizedKeys } from '../ssh/authorized-keys.ts';
import { prepareEndpoint, prepareEndpointWithoutSsh } from '../ssh/guest-endpoint.ts';
import { ensureIdentity } from '../ssh/identity.ts';
import type { LimaConfig } from './config.ts';

export const cidataFileName = 'cidata.iso';

export interface Bootstrap {
  cidata: NonNullable<InstanceSpec['config']['cidata']>;
  network: NonNullable<InstanceSpec['config']['network']>;
  warnings: string[];
  /** The instance-id of this start: the guest reports its boot under it (guest/status.ts). */
  bootId: string;
}

/** The driver that runs the instance, as far as the bootstrap cares: whether it forwards an SSH port (capabilities.ssh). */
export interface BootstrapDriver {
  name: string;
  ssh: boolean;
}

export async function writeBootstrap(dir: string, name: string, config: LimaConfig, options: { archive: string | undefined; corralHome: string; driver: BootstrapDriver; mounts?: readonly CidataMount[] }): Promise<Bootstrap> {
  // Every check that can fail on the user's input runs before anything is written.
  // (The key pair is made at first use: after the port check, so a refused start makes nothing.)
  const user = resolveGuestUser(config.user);
  const localPort = config.ssh?.localPort;
  // A driver without the ssh capability gets no port to forward (it would refuse or ignore it).
  const endpoint = options.driver.ssh ? await prepareEndpoint(dir, { localPort, user: user.name }) : await prepareEndpointWithoutSsh(dir);
  const identity = await ensureIdentity(options.corralHome);
  const { keys, warnings } = await authorizedKeys(identity.publicKey, { loadDotSSHPubKeys: config.ssh?.loadDotSSHPubKeys ?? false });
  if (!options.driver.ssh && localPort) warnings.push(`field "ssh.localPort" (${localPort}) is not used: driver ${options.driver.name} offers no SSH into its guests; use the serial console`);
  const file = path.join(dir, cidataFileName);
  const containerd = config.containerd;
  const bootId = newInstanceId();
  await writeCidataIso(file, cidataFiles({ name }, {
    user: { ...user, sshAuthorizedKeys: keys },
    instanceId: bootId,
    boot: { provision: config.provision, probes: config.probes, env: config.env, param: config.param },
    macAddress: endpoint.macAddress,
    ...(options.mounts?.length ? { mounts: options.mounts } : {}),
    ...(options.archive ? { containerd: { archive: options.archive, system: containerd?.system ?? false, user: containerd?.user ?? false } } : {}),
  }), { durable: false }); // written anew before every boot: a host crash that loses it ends the boot it was for
  const network = endpoint.ssh ? { macAddress: endpoint.macAddress, sshLocalPort: endpoint.ssh.port } : { macAddress: endpoint.macAddress };
  return { cidata: { path: file }, network, warnings, bootId };
}
