// Reaching a running instance: its serial console, its display, its port forwards and its
// logs. Reads only, so no lock: they work while another operation runs.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DisplayInfo } from '../../../src-drivers/sdk/protocol.ts';
import { ConsoleSession } from '../console.ts';
import { instancePorts } from '../guest/instance-ports.ts';
import type { InstancePorts } from '../guest/instance-ports.ts';
import type { LimaConfig } from '../instances/config.ts';
import { effectiveConfig } from '../instances/effective.ts';
import type { DriverHost } from '../drivers/host.ts';
import type { EngineContext } from './context.ts';
import { driverLogEntriesOf } from './driver-log-entries.ts';
import { instanceSpec } from './spec.ts';

/** Attaches to the instance's serial console: guest bytes out, keystrokes in. */
export async function openConsole(ctx: EngineContext, name: string): Promise<ConsoleSession> {
  const config = await ctx.store.readConfig(name);
  const host = await ctx.driver(effectiveConfig(config).connection);
  return ConsoleSession.open(host, instanceSpec(ctx, name, config), randomUUID());
}

/**
 * How to reach the running instance's display: null when its driver has none or its config
 * turns it off, INVALID_STATE when it is not running.
 */
export async function displayOf(ctx: EngineContext, name: string): Promise<DisplayInfo | null> {
  const config = await ctx.store.readConfig(name);
  const host = await ctx.driver(effectiveConfig(config).connection);
  if ((await host.handshake()).capabilities.display.length === 0) return null;
  return host.call('display', instanceSpec(ctx, name, config));
}

/** The instance's port forwards from its ports.json, marked stale unless it runs and its forwarder lives. */
export async function portsOf(ctx: EngineContext, name: string): Promise<InstancePorts> {
  const instance = await ctx.inspect(name);
  return instancePorts(instance.dir, name, instance.state);
}

/**
 * The instance's logs, newest part of each: its driver's log and every *.log in the
 * instance folder (for QEMU: qemu.log, serial.log). For the instance page's Logs tab. A Broken
 * instance's lima.yaml may name no driver, or one not installed: then the folder's logs alone.
 */
export async function readLogs(ctx: EngineContext, name: string, maxBytes: number): Promise<{ name: string; text: string }[]> {
  const { config, problem } = await ctx.store.readConfigOrSalvage(name);
  const dir = ctx.store.dir(name);
  const inFolder = (await fs.readdir(dir)).filter((file) => file.endsWith('.log')).sort();
  const { vmType } = effectiveConfig(config);
  const host = await logsDriver(ctx, config, problem !== undefined);
  const files = [
    ...(host ? [{ name: `driver ${vmType}`, file: host.logFile }] : []),
    ...inFolder.map((file) => ({ name: file, file: path.join(dir, file) })),
  ];
  const instances = new Set(await ctx.store.names());
  return Promise.all(files.map(async ({ name: logName, file }, index) => {
    const text = await tail(file, maxBytes);
    // The driver's log (first, when there is one) is shared by every instance it runs: only this one's entries.
    return { name: logName, text: host && index === 0 ? driverLogEntriesOf(text, name, instances) : text };
  }));
}

/**
 * The driver whose log belongs with the instance's: none when an unreadable lima.yaml names no
 * driver; when it names one, that driver if it starts (its log is a bonus, not a need). A
 * readable config's driver must start: its failure is the answer.
 */
async function logsDriver(ctx: EngineContext, config: LimaConfig, unreadable: boolean): Promise<DriverHost | undefined> {
  const { connection } = effectiveConfig(config);
  if (!unreadable) return ctx.driver(connection);
  if (config.vmType === undefined) return undefined;
  return ctx.driver(connection).catch(() => undefined);
}

/** The last `maxBytes` of a file as text ('' when it does not exist). */
async function tail(file: string, maxBytes: number): Promise<string> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
