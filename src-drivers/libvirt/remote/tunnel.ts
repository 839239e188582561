// A VNC display on a remote libvirt host, reached from here: a TCP listener on this host's
// loopback (a port the OS picks) that carries each connection to 127.0.0.1:PORT on the remote
// host through `ssh -W` (ssh's stdio forwarding, one ssh per connection), so the display is
// never exposed on either host's network, and nothing is forwarded when no one is looking.
import { spawn } from 'node:child_process';
import net from 'node:net';
import type { SshInvocation } from './ssh.ts';

export class LoopbackTunnel {
  readonly remotePort: number;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(server: net.Server, remotePort: number) {
    this.#server = server;
    this.remotePort = remotePort;
  }

  static async open(ssh: SshInvocation, remotePort: number, onProblem: (message: string) => void): Promise<LoopbackTunnel> {
    const server = net.createServer();
    const tunnel = new LoopbackTunnel(server, remotePort);
    server.on('connection', (socket) => tunnel.#carry(ssh, socket, onProblem));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    return tunnel;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  close(): void {
    this.#server.close();
    for (const socket of this.#sockets) socket.destroy();
  }

  #carry(ssh: SshInvocation, socket: net.Socket, onProblem: (message: string) => void): void {
    this.#sockets.add(socket);
    const child = spawn(ssh.command, [...ssh.options, '-W', `127.0.0.1:${this.remotePort}`, '--', ssh.destination], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-1000); });
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    child.stdin.on('error', () => socket.destroy());
    socket.on('error', () => child.kill());
    socket.on('close', () => { this.#sockets.delete(socket); child.kill(); });
    child.once('error', (error) => { onProblem(`display tunnel to ${ssh.where}: ${error.message}`); socket.destroy(); });
    child.once('close', (code) => {
      if (code !== 0 && code !== null && stderr.trim()) onProblem(`display tunnel to ${ssh.where} ended: ${stderr.trim()}`);
      socket.destroy();
    });
  }
}
