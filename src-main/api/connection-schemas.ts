// Wire schemas of the Connections view and the create dialog's connection picker (the method
// rows are in methods.ts): where VMs run, as the engine's core/connections lists them.
import * as z from 'zod';
import { settingValueSchema } from '../../src-drivers/sdk/protocol.ts';

const connectionName = z.string().min(1).max(64);

/** A connection; secret settings arrive masked. */
export const connectionSchema = z.object({
  name: connectionName,
  driver: z.string(),
  /** local: this machine's QEMU; default: a driver's unnamed connection; named: one the user added. */
  kind: z.enum(['local', 'default', 'named']),
  settings: z.record(z.string(), settingValueSchema()),
  /** The instances on it. */
  instances: z.array(z.string()),
});

/** What a first contact found. */
export const connectionTestSchema = z.object({
  name: connectionName,
  ok: z.boolean(),
  reason: z.string().optional(),
  description: z.string(),
});

/** A libvirt connection to add: its name and URI (tested before it is stored). */
export const addConnectionRequestSchema = z.object({
  name: connectionName,
  uri: z.string().min(1).max(1024),
  driver: z.string().min(1).optional(),
});

export const connectionNameRequestSchema = z.object({ name: connectionName });
