// The VM's screen over VNC: loopback ports picked at start, a fresh password per start (set
// over QMP, kept in a 0600 file so any driver process can hand it out, never logged), and
// where the display is, read back from QEMU itself (query-vnc-servers) rather than remembered.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import * as z from 'zod';
import { DriverError } from '../sdk/index.ts';
import type { DisplayInfo } from '../sdk/index.ts';
import { withQmp } from './monitor.ts';
import type { InstancePaths } from './paths.ts';
import type { QmpClient } from './qmp.ts';

export const VNC_HOST = '127.0.0.1';
/** VNC authentication (DES) uses the first 8 bytes of a password and ignores the rest. */
const PASSWORD_LENGTH = 8;

const vncServersSchema = z.array(z.object({
  server: z.array(z.object({ host: z.string(), service: z.string(), websocket: z.boolean() }).loose()),
}).loose());

/**
 * Ports free on loopback right now, distinct: each is held open until all are found. QEMU
 * binds them a moment later; another program taking one meanwhile makes the start fail with
 * QEMU's "Failed to bind socket", not a wrong display.
 */
export async function pickLoopbackPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, VNC_HOST, () => resolve());
      });
    }
    return servers.map((server) => (server.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** A new random password, stored mode 0600 (temp + rename, so no other mode is ever visible). */
export async function newVncPassword(paths: InstancePaths): Promise<string> {
  // node:crypto loads only for a display: most VMs have none, and every driver process used to
  // load it (OpenSSL's bindings) before it could answer, while the engine waited to start a VM.
  const { randomBytes } = await import('node:crypto');
  const password = randomBytes(PASSWORD_LENGTH).toString('base64url').slice(0, PASSWORD_LENGTH);
  const temp = `${paths.vncPasswordFile}.tmp`;
  await rm(temp, { force: true });
  await writeFile(temp, password, { mode: 0o600, flag: 'wx' });
  await rename(temp, paths.vncPasswordFile);
  return password;
}

/** Until this runs, QEMU's password=on refuses every VNC client. */
export async function setVncPassword(qmp: QmpClient, password: string): Promise<void> {
  await qmp.execute('set_password', { protocol: 'vnc', password });
}

/** Where the running VM's display listens, with its password. */
export async function vncDisplay(paths: InstancePaths, instance: string): Promise<DisplayInfo> {
  const servers = await withQmp(paths, (qmp) => qmp.query(vncServersSchema, 'query-vnc-servers'));
  const listeners = servers.flatMap((s) => s.server);
  const plain = listeners.find((l) => !l.websocket);
  const websocket = listeners.find((l) => l.websocket);
  if (!plain) throw new DriverError('VM_FAILED', `${instance} was started with a display, but QEMU reports no VNC listener`, { instance });
  const password = (await readFile(paths.vncPasswordFile, 'utf8').catch(() => '')).trim();
  if (!password) throw new DriverError('VM_FAILED', `${instance}'s VNC password file ${paths.vncPasswordFile} is missing: restart it to get a new one`, { instance });
  return {
    kind: 'vnc',
    host: plain.host,
    port: Number(plain.service),
    ...(websocket ? { websocketPort: Number(websocket.service) } : {}),
    password,
  };
}
