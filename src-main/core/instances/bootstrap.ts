// The guest's first-boot data: a NoCloud cidata disk in the instance folder, rewritten at every
// start so it always matches the config (and carries the nerdctl archive when containerd is on).
import os from 'node:os';
import path from 'node:path';
import { cidataFiles, writeCidataIso } from '../cidata/index.ts';
import type { LimaConfig } from './config.ts';

export const cidataFileName = 'cidata.iso';

export async function writeBootstrap(dir: string, name: string, config: LimaConfig, archive: string | undefined): Promise<string> {
  const file = path.join(dir, cidataFileName);
  const host = os.userInfo();
  const containerd = config.containerd;
  await writeCidataIso(file, cidataFiles({ name }, {
    user: { name: host.username, uid: host.uid >= 0 ? host.uid : 1000, sshAuthorizedKeys: [] },
    ...(archive ? { containerd: { archive, system: containerd?.system ?? false, user: containerd?.user ?? false } } : {}),
  }));
  return file;
}
