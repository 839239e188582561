// ports.json in the instance folder: the forwards live now and the ports that could not be
// forwarded, written atomically by the process forwarding them (its pid inside), so `corral
// ports`, the UI and the engine read it without asking that process, and tell a live record
// from one left by a process that is gone.
import path from 'node:path';
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { readJsonRecord, writeJsonRecord } from '../instances/json-record.ts';

export const portsFileName = 'ports.json';

const forwardSchema = z.object({
  /** 0 for a guest socket. */
  guestPort: z.number().int().min(0).max(65535),
  hostIP: z.string(),
  /** 0 for a host socket. */
  hostPort: z.number().int().min(0).max(65535),
  proto: z.enum(['tcp', 'udp']),
  source: z.enum(['static', 'discovered']),
  guestSocket: z.string().optional(),
  hostSocket: z.string().optional(),
});
export type PortForward = z.infer<typeof forwardSchema>;

const problemSchema = z.object({ guestPort: z.number().int().optional(), message: z.string() });
export type PortProblem = z.infer<typeof problemSchema>;

export const portsFileSchema = z.object({
  pid: z.number().int().positive(),
  /** The boot whose forwards these are (boot-id): a record from an earlier boot says nothing about this one. */
  bootId: z.string().min(1).optional(),
  updatedAt: z.iso.datetime(),
  forwards: z.array(forwardSchema),
  problems: z.array(problemSchema),
});
export type PortsFile = z.infer<typeof portsFileSchema>;

export async function writePortsFile(dir: string, state: Omit<PortsFile, 'updatedAt'>): Promise<void> {
  const record: PortsFile = { ...state, updatedAt: new Date().toISOString() };
  await writeJsonRecord(path.join(dir, portsFileName), record);
}

/** The record, or undefined when no forwarding ever ran; a damaged file is an error naming it. */
export async function readPortsFile(dir: string): Promise<PortsFile | undefined> {
  const file = path.join(dir, portsFileName);
  const record = await readJsonRecord(file, portsFileSchema);
  if (record.state === 'damaged') throw new DriverError('INVALID_STATE', `${file} is damaged; it is rewritten when the instance next starts`, { file });
  return record.state === 'valid' ? record.value : undefined;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How a forward is written for people: `127.0.0.1:8080 -> guest 80`. */
export function describeForward(forward: PortForward): string {
  const host = forward.hostSocket ?? `${forward.hostIP}:${forward.hostPort}${forward.proto === 'udp' ? ' (udp)' : ''}`;
  const guest = forward.guestSocket ?? `guest port ${forward.guestPort}`;
  return `${host} -> ${guest}`;
}
