// Where an instance's guest is reached: its NIC's MAC address (made once, kept for the life of
// the instance, so the guest's network-config matches it at every boot) and the loopback port
// QEMU forwards to the guest's sshd (chosen at each start unless ssh.localPort fixes it), with
// the user to log in as. Kept in the instance folder, so list and shell read it without a driver.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
// zod/mini, not zod: `corral list` reads this record, and zod/mini's schemas cost a third of
// zod's to build and first use (about 20 ms of a list), same checks.
import * as z from 'zod/mini';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import { readJsonRecord, writeJsonRecord } from '../instances/json-record.ts';

export const endpointFileName = 'guest-endpoint.json';

const endpointSchema = z.object({
  macAddress: z.string().check(z.regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)),
  ssh: z.optional(z.object({ host: z.literal('127.0.0.1'), port: z.int().check(z.gte(1), z.lte(65535)), user: z.string().check(z.minLength(1)) })),
});
export type GuestEndpoint = z.infer<typeof endpointSchema>;
export type SshEndpoint = NonNullable<GuestEndpoint['ssh']>;

/** The instance's record, or undefined before its first start. A corrupt one is an error naming the file. */
export async function readEndpoint(dir: string): Promise<GuestEndpoint | undefined> {
  const file = path.join(dir, endpointFileName);
  const record = await readJsonRecord(file, endpointSchema);
  if (record.state === 'damaged') throw new DriverError('INVALID_CONFIG', `${file} is damaged; delete it and start the instance again to make a new one`, { file });
  return record.state === 'valid' ? record.value : undefined;
}

/** A locally administered unicast MAC in the range Lima uses (52:55:55:...). */
export function randomMacAddress(): string {
  return ['52', '55', '55', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/**
 * Prepares a start: keeps (or makes) the MAC address, picks the SSH port and records it. A fixed
 * ssh.localPort already in use is refused here, with the field named, before QEMU would fail on it.
 */
export async function prepareEndpoint(dir: string, options: { localPort?: number | undefined; user: string }): Promise<Required<GuestEndpoint>> {
  const macAddress = await keptMacAddress(dir);
  const port = options.localPort ? await checkFreePort(options.localPort) : await freeLoopbackPort();
  const endpoint = { macAddress, ssh: { host: '127.0.0.1' as const, port, user: options.user } };
  await writeEndpoint(dir, endpoint);
  return endpoint;
}

/** Prepares a start on a driver without the ssh capability: the MAC only, and no SSH endpoint left from an earlier start. */
export async function prepareEndpointWithoutSsh(dir: string): Promise<GuestEndpoint> {
  const endpoint = { macAddress: await keptMacAddress(dir) };
  await writeEndpoint(dir, endpoint);
  return endpoint;
}

async function keptMacAddress(dir: string): Promise<string> {
  return (await readEndpoint(dir))?.macAddress ?? randomMacAddress();
}

async function writeEndpoint(dir: string, endpoint: GuestEndpoint): Promise<void> {
  await writeJsonRecord(path.join(dir, endpointFileName), endpoint);
}

/** A port the kernel says is free on 127.0.0.1 right now. */
export function freeLoopbackPort(): Promise<number> {
  return listenOnce(0);
}

async function checkFreePort(port: number): Promise<number> {
  return listenOnce(port).catch((error: NodeJS.ErrnoException) => {
    const why = error.code === 'EADDRINUSE' ? 'is in use' : error.code === 'EACCES' ? 'needs privileges (ports below 1024)' : `cannot be used (${error.code ?? error.message})`;
    throw new DriverError('INVALID_CONFIG', `field "ssh.localPort": port ${port} on 127.0.0.1 ${why}; pick another port or set 0 to choose a free one`, { field: 'ssh.localPort', port });
  });
}

// node:net is loaded here, at a start, not by every reader of the record (`corral list`).
async function listenOnce(port: number): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port bound'))));
    });
  });
}
