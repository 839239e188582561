// Starting the host agent for a boot (hostagent/): it follows the guest over SSH and keeps
// guest-status.json current. In two steps so that little is left between QEMU running and the
// start returning: what does not depend on the VM (the SSH endpoint chosen before the start, the
// key the cidata already carries) is read while the driver starts QEMU; the boot's records and the
// agent itself come only once the VM runs (a failed start leaves nothing new).
import { writeBootId, writeGuestStatus } from '../guest/status.ts';
import { defaultBootTimeoutMs } from '../hostagent/agent.ts';
import { spawnHostAgent } from '../hostagent/spawn.ts';
import type { HostAgentLauncher } from '../hostagent/spawn.ts';
import type { LimaConfig } from '../instances/config.ts';
import { readEndpoint } from '../ssh/guest-endpoint.ts';
import type { SshEndpoint } from '../ssh/guest-endpoint.ts';
import { ensureIdentity } from '../ssh/identity.ts';
import type { EngineContext } from './context.ts';
import { templateMessage } from './inspect.ts';

/** What the agent needs that the start does not change; undefined when the guest has no SSH endpoint. */
export interface BootFollowing {
  ssh: SshEndpoint;
  identityFile: string;
}

/**
 * Read while the VM starts. Never rejects: a failure is kept and reported by followBoot, as a
 * warning of a start that succeeded (and never as an unheard rejection of one that failed).
 */
export function prepareBootFollowing(ctx: EngineContext, name: string): Promise<BootFollowing | undefined | { error: unknown }> {
  const dir = ctx.store.dir(name);
  return (async () => {
    const [endpoint, identity] = await Promise.all([readEndpoint(dir), ensureIdentity(ctx.paths.home)]);
    return endpoint?.ssh ? { ssh: endpoint.ssh, identityFile: identity.privateKey } : undefined;
  })().catch((error: unknown) => ({ error }));
}

/**
 * Once the VM runs: the boot id and a "booting" status first (an agent still following an earlier
 * boot sees the new id and ends; no one sees a ready "Running" before the new agent's first word),
 * then the agent. The two records are independent files, written at once.
 */
export async function followBoot(ctx: EngineContext, hostAgent: HostAgentLauncher, name: string, config: LimaConfig, boot: { id: string; vmPid: number | undefined }, prepared: Awaited<ReturnType<typeof prepareBootFollowing>>): Promise<void> {
  if (prepared && 'error' in prepared) throw prepared.error;
  if (!prepared) return;
  const dir = ctx.store.dir(name);
  await Promise.all([
    writeBootId(dir, boot.id),
    writeGuestStatus(dir, { bootId: boot.id, phase: 'booting', updatedAt: new Date().toISOString() }),
  ]);
  await spawnHostAgent(hostAgent, {
    dir,
    bootId: boot.id,
    ...(boot.vmPid === undefined ? {} : { vmPid: boot.vmPid }),
    target: { ...prepared.ssh, identityFile: prepared.identityFile },
    timeoutMs: bootTimeoutMs(),
    runtimeDir: ctx.paths.runtimeDir(dir),
    ...(config.message === undefined ? {} : { message: templateMessage(config.message, name, dir, config.param) }),
    hints: (config.probes ?? []).map((probe) => probe.hint ?? null),
  });
}

/** Lima's limit (10 minutes), or CORRAL_BOOT_TIMEOUT seconds (tests shorten it). */
function bootTimeoutMs(): number {
  const seconds = Number(process.env.CORRAL_BOOT_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : defaultBootTimeoutMs;
}
