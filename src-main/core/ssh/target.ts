// The SSH target of a running instance: where its sshd is forwarded to (recorded at start) and
// Corral's key. Shared by `corral shell`/`copy`/`ssh-config` and the app's Terminal tab, so all
// refuse a stopped instance with the same words.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Engine } from '../engine.ts';
import type { SshTarget } from './client.ts';
import { ensureIdentity } from './identity.ts';

/** The running instance's SSH endpoint and Corral's key, or an error saying what to do. */
export async function runningSshTarget(engine: Pick<Engine, 'inspect' | 'paths' | 'capabilitiesOf'>, name: string): Promise<SshTarget> {
  const instance = await engine.inspect(name);
  if (!(await engine.capabilitiesOf(instance.vmType)).ssh) {
    throw new DriverError('UNSUPPORTED', `driver ${instance.vmType} offers no SSH into its guests (capabilities.ssh is false); use the serial console: corral console ${name}`, { capability: 'ssh', driver: instance.vmType });
  }
  if (instance.state !== 'Running') {
    throw new DriverError('INVALID_STATE', `instance "${name}" is ${instance.state}; start it first: corral start ${name}`, { state: instance.state });
  }
  if (!instance.ssh) {
    throw new DriverError('INVALID_STATE', `instance "${name}" was started without an SSH port; restart it: corral restart ${name}`, { name });
  }
  const identity = await ensureIdentity(engine.paths.home);
  return { ...instance.ssh, identityFile: identity.privateKey };
}
