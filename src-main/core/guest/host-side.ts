// Checks the host side of a forward before ssh is asked to bind it, so a port in use or a
// privileged one gets a message that says which and what to do, not ssh's "forwarding failed".
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { PlannedForward } from './forward-plan.ts';

/** sun_path's size on macOS (Linux allows 108): the portable limit for a socket path. */
const maxSocketPath = 103;

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', resolve);
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

async function socketProblem(file: string): Promise<string | undefined> {
  if (Buffer.byteLength(file) > maxSocketPath) return `the host socket path is ${Buffer.byteLength(file)} bytes, more than unix sockets allow (${maxSocketPath}); set a shorter hostSocket`;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const stat = await fs.lstat(file).catch(() => undefined);
  if (stat && !stat.isSocket()) return `${file} exists and is not a socket; move it away or set another hostSocket`;
  return undefined;
}

/** Why the host side cannot be bound now, or undefined when it can. */
export async function hostSideProblem(planned: PlannedForward): Promise<string | undefined> {
  const { forward } = planned;
  if (forward.hostSocket !== undefined) return socketProblem(forward.hostSocket);
  const error = await tryListen(forward.hostIP, forward.hostPort);
  return error ? hostPortProblem(forward, error.code ?? error.message) : undefined;
}

/** What binding the forward's host port failing with `code` (EADDRINUSE, EACCES, ...) means, and what to do. */
export function hostPortProblem(forward: PlannedForward['forward'], code: string): string {
  const where = `${forward.proto === 'udp' ? 'UDP ' : ''}host port ${forward.hostPort} on ${forward.hostIP}`;
  const rule = forward.guestPort ? `a portForwards rule with guestPort: ${forward.guestPort} and another hostPort` : 'another hostPort';
  if (code === 'EADDRINUSE') return `${where} is in use by another program; free it, or add ${rule}`;
  if (code === 'EACCES') return `${where} needs privileges (ports below 1024); use ${rule} of 1024 or more`;
  if (code === 'EADDRNOTAVAIL') return `${forward.hostIP} is not an address of this host; fix hostIP`;
  return `${where} cannot be used (${code})`;
}
