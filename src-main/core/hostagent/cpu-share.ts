// The host agent's share of the CPU while its guest boots. Until the guest is ready the agent only
// waits (a brief look at the SSH port every second or so), yet its own start (Node, its modules)
// lands in the first second of the boot, beside QEMU on a host of few cores. So the engine starts
// it in a low-priority scheduling group and the agent takes its full share back once the guest is
// ready, before it forwards the user's ports. Linux's autogroups, not nice: a detached agent is a session of its
// own, scheduled as a group (so its nice value alone would change nothing), and an autogroup's
// nice value may go back to 0 without privilege, where a process's may not. Best effort: without
// autogroups (another OS, a cgroup with its own CPU controller) both are no-ops.
import { writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** The nice value of a booting guest's agent's group: about a tenth of a normal share under contention. */
export const bootingAgentNice = 10;

/**
 * Sets the nice value of `pid`'s autogroup: 'set', 'busy' (the kernel takes such a change at most
 * every 100 ms across the machine) or 'unavailable' (no autogroups here, or refused).
 */
export function setAutogroupNice(pid: number | 'self', nice: number): 'set' | 'busy' | 'unavailable' {
  if (process.platform !== 'linux') return 'unavailable';
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return 'set';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EAGAIN' ? 'busy' : 'unavailable';
  }
}

/** The agent's own group back to a normal share (tried again while the kernel says busy). */
export async function takeFullCpuShare(): Promise<void> {
  for (let attempt = 0; attempt < 5 && setAutogroupNice('self', 0) === 'busy'; attempt++) await delay(110);
}
