// Starts an instance's host agent: detached (it outlives the CLI that started the VM, as the VM
// does), its output appended to hostagent.log, its pid and boot in hostagent.pid. One per boot:
// an agent already following this boot is kept; one following an earlier boot is ended (it
// would end itself on seeing the new boot-id; this makes it prompt).
import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { writeFileAtomic } from '../instances/atomic.ts';
import { helperEntry } from '../bundled-entry.ts';
import { openDriverLog } from '../drivers/process.ts';
import type { AgentArgs } from './args.ts';
import { agentPidFileName, isAlive, isHostAgent, runningAgent } from './liveness.ts';
import { bootingAgentNice, setAutogroupNice } from './cpu-share.ts';

export { agentPidFileName, liveHostAgent, runningAgent } from './liveness.ts';
export const agentLogFileName = 'hostagent.log';

/** How to run the agent: this Node and its entry (source or CLI bundle); the Electron shell passes its bundle. */
export interface HostAgentLauncher {
  execPath: string;
  entry: string;
}

export const sourceHostAgent: HostAgentLauncher = {
  execPath: process.execPath,
  entry: helperEntry(new URL('./main.ts', import.meta.url), 'workers/hostagent.js'),
};


export async function spawnHostAgent(launcher: HostAgentLauncher, args: AgentArgs): Promise<number> {
  const previous = await runningAgent(args.dir);
  if (previous?.bootId === args.bootId) return previous.pid;
  if (previous && (await isHostAgent(previous.pid))) process.kill(previous.pid, 'SIGTERM');
  const log = openDriverLog(path.join(args.dir, agentLogFileName));
  try {
    const child = spawn(launcher.execPath, [launcher.entry, JSON.stringify(args)], {
      detached: true,
      stdio: ['ignore', log, log],
      // Electron's binary runs as plain Node with this; Node ignores it.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start the host agent (${launcher.execPath})`);
    setAutogroupNice(pid, bootingAgentNice); // until its guest is ready (cpu-share.ts)
    // No fsync (atomic.ts): the record names a live agent; a host crash ends the agent and the VM with it.
    await writeFileAtomic(path.join(args.dir, agentPidFileName), `${JSON.stringify({ pid, bootId: args.bootId })}\n`, undefined, { durable: false });
    return pid;
  } finally {
    closeSync(log); // the child has its own copy
  }
}

/** How long an agent may take to close its forwards and write its status when told to end. */
const endGraceMs = 10_000;

/**
 * Ends the instance's host agent, if one runs, and returns once it has exited: nothing writes
 * in the instance folder after a stop or before a delete. SIGTERM lets it close its forwards
 * and write its last status; one that outstays the grace is killed. Its exit is polled: it is
 * no child of this process (it outlives the CLI that started it), so no exit event reaches us.
 */
export async function endHostAgent(dir: string): Promise<void> {
  const agent = await runningAgent(dir);
  if (!agent || !(await isHostAgent(agent.pid))) return;
  process.kill(agent.pid, 'SIGTERM');
  const deadline = Date.now() + endGraceMs;
  while (isAlive(agent.pid)) {
    if (Date.now() > deadline) {
      process.kill(agent.pid, 'SIGKILL');
      return;
    }
    await delay(50);
  }
}
