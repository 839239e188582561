// What the engine hands the host agent's process (checked there: it crosses a process boundary).
import * as z from 'zod';

export const agentArgsSchema = z.object({
  dir: z.string().min(1),
  bootId: z.string().min(1),
  /** The VM's process, when its driver reported one: the agent ends with it. */
  vmPid: z.number().int().positive().optional(),
  target: z.object({
    host: z.literal('127.0.0.1'),
    port: z.number().int().min(1).max(65535),
    user: z.string().min(1),
    identityFile: z.string().min(1),
  }),
  timeoutMs: z.number().int().positive(),
  /** A short private folder for sockets (the SSH ControlMaster: the agent's connection, which port forwarding shares). */
  runtimeDir: z.string().min(1).optional(),
  message: z.string().optional(),
  hints: z.array(z.string().nullable()).optional(),
});
export type AgentArgs = z.infer<typeof agentArgsSchema>;
