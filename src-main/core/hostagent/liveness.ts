// Whether an instance's host agent runs, from its pid file and /proc: what `corral shell` checks
// before trusting the recorded SSH endpoint. Apart from spawn.ts, so that check loads nothing
// of how agents are started.
import fs from 'node:fs/promises';
import path from 'node:path';
// zod/mini, as the other records `corral shell` reads before ssh runs: classic zod's code would
// be most of dist/cli/quick.js, read and compiled by every `corral list` too.
import * as z from 'zod/mini';
import { readJsonRecordOrNothing } from '../instances/json-record.ts';

export const agentPidFileName = 'hostagent.pid';

const pidFileSchema = z.object({ pid: z.int().check(z.positive()), bootId: z.string() });
export type AgentPidFile = z.infer<typeof pidFileSchema>;

/** The agent recorded in `dir`, if its process is still alive. */
export async function runningAgent(dir: string): Promise<AgentPidFile | undefined> {
  const agent = await readJsonRecordOrNothing(path.join(dir, agentPidFileName), pidFileSchema);
  return agent && isAlive(agent.pid) ? agent : undefined;
}

/** The agent recorded in `dir` if it is alive and really a host agent (not a reused pid). */
export async function liveHostAgent(dir: string): Promise<AgentPidFile | undefined> {
  const agent = await runningAgent(dir);
  return agent && (await isHostAgent(agent.pid)) ? agent : undefined;
}

/**
 * Whether `pid` still runs a host agent (a recorded pid may have been reused). Where /proc is
 * missing nothing is ended: the old agent ends itself on seeing the new boot-id.
 */
export async function isHostAgent(pid: number): Promise<boolean> {
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('hostagent'); // its entry: hostagent/main.ts, or the bundle hostagent.js
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
