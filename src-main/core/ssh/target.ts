// The SSH target of a running instance: where its sshd is forwarded to (recorded at start) and
// Corral's key. Shared by `corral shell`/`copy`/`ssh-config` and the app's Terminal tab, so all
// refuse a stopped instance with the same words.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { Engine } from '../engine.ts';
import { readBootId } from '../guest/status.ts';
import { liveHostAgent } from '../hostagent/liveness.ts';
import { assertInstanceName } from '../instances/names.ts';
import type { SshTarget } from './client.ts';
import { readEndpoint } from './guest-endpoint.ts';
import { ensureIdentity } from './identity.ts';

type TargetEngine = Pick<Engine, 'inspect' | 'paths' | 'capabilitiesOf' | 'store'>;

/** The running instance's SSH endpoint and Corral's key, or an error saying what to do. */
export async function runningSshTarget(engine: TargetEngine, name: string): Promise<SshTarget> {
  assertInstanceName(name);
  const live = await liveSshTarget(engine.paths.home, engine.store.dir(name));
  if (live) return live;
  const instance = await engine.inspect(name);
  if (instance.vmType === undefined) { // Broken, its lima.yaml naming no driver
    throw new DriverError('INVALID_STATE', `instance "${name}" is ${instance.state}: ${instance.reason ?? 'its driver is not known'}`, { state: instance.state });
  }
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

/**
 * The endpoint from live facts alone, without a driver round trip (a driver process start is
 * most of what `corral shell` costs on top of ssh): the endpoint this boot recorded, while this
 * boot's host agent runs, since the agent ends within a second of its VM. Anything less certain
 * (no agent, another boot's, an agent that ended after a failure) returns undefined, and the
 * driver is asked. `home`: CORRAL_HOME (Corral's key); `dir`: the instance's folder. Loads no
 * engine, so the CLI's quick path (cli/quick.ts) calls it before constructing one.
 */
export async function liveSshTarget(home: string, dir: string): Promise<SshTarget | undefined> {
  const [endpoint, agent, bootId] = await Promise.all([readEndpoint(dir).catch(() => undefined), liveHostAgent(dir), readBootId(dir)]);
  if (!endpoint?.ssh || !agent || !bootId || agent.bootId !== bootId) return undefined;
  const identity = await ensureIdentity(home);
  return { ...endpoint.ssh, identityFile: identity.privateKey };
}
