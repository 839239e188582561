// The guest's first-boot data: a NoCloud cidata disk in the instance folder, rewritten at every
// start so it always matches the config: the guest user (Lima's `user:` defaults), Corral's SSH
// key (and ~/.ssh/*.pub when asked), the NIC's MAC, a new instance-id, and the nerdctl archive
// when containerd is on. Also records where SSH reaches the guest (guest-endpoint.json).
import path from 'node:path';
import type { InstanceSpec } from '../../../src-drivers/sdk/protocol.ts';
import { cidataFiles, newInstanceId, resolveGuestUser, writeCidataIso } from '../cidata/index.ts';
import { authorizedKeys } from '../ssh/authorized-keys.ts';
import { prepareEndpoint } from '../ssh/guest-endpoint.ts';
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

export async function writeBootstrap(dir: string, name: string, config: LimaConfig, options: { archive: string | undefined; corralHome: string }): Promise<Bootstrap> {
  // Every check that can fail on the user's input runs before anything is written.
  const user = resolveGuestUser(config.user);
  const identity = await ensureIdentity(options.corralHome);
  const { keys, warnings } = await authorizedKeys(identity.publicKey, { loadDotSSHPubKeys: config.ssh?.loadDotSSHPubKeys ?? false });
  const endpoint = await prepareEndpoint(dir, { localPort: config.ssh?.localPort, user: user.name });
  const file = path.join(dir, cidataFileName);
  const containerd = config.containerd;
  const bootId = newInstanceId();
  await writeCidataIso(file, cidataFiles({ name }, {
    user: { ...user, sshAuthorizedKeys: keys },
    instanceId: bootId,
    boot: { provision: config.provision, probes: config.probes, env: config.env, param: config.param },
    macAddress: endpoint.macAddress,
    ...(options.archive ? { containerd: { archive: options.archive, system: containerd?.system ?? false, user: containerd?.user ?? false } } : {}),
  }));
  return { cidata: { path: file }, network: { macAddress: endpoint.macAddress, sshLocalPort: endpoint.ssh.port }, warnings, bootId };
}
