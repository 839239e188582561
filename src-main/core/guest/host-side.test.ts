// The host side of a forward, checked before ssh binds it: a port in use, an address this host
// does not have, a socket path too long or taken by a file: each a message saying what to do.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { PlannedForward } from './forward-plan.ts';
import { hostSideProblem } from './host-side.ts';

const tcp = (hostIP: string, hostPort: number, guestPort = hostPort): PlannedForward => ({
  key: `${hostIP}:${hostPort}`, spec: '', origin: 'default', guest: { host: '127.0.0.1', port: guestPort },
  forward: { guestPort, hostIP, hostPort, proto: 'tcp', source: 'discovered' },
});
const unix = (hostSocket: string): PlannedForward => ({
  key: hostSocket, spec: '', origin: 'portForwards[0]', guest: { host: '127.0.0.1', port: 0 },
  forward: { guestPort: 0, hostIP: '127.0.0.1', hostPort: 0, proto: 'tcp', source: 'static', guestSocket: '/run/x.sock', hostSocket },
});

describe('the host side of a forward', () => {
  let dir: string;
  let server: net.Server;
  let taken: number;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-host-side-'));
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    taken = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('accepts a free port and leaves it free', async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen({ host: '127.0.0.1', port: 0 }, () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    assert.equal(await hostSideProblem(tcp('127.0.0.1', free)), undefined);
    assert.equal(await hostSideProblem(tcp('127.0.0.1', free)), undefined, 'the check released it');
  });

  it('names a port in use and says what to do', async () => {
    assert.equal(await hostSideProblem(tcp('127.0.0.1', taken, 8080)),
      `host port ${taken} on 127.0.0.1 is in use by another program; free it, or add a portForwards rule with guestPort: 8080 and another hostPort`);
  });

  it('names an address this host does not have', async () => {
    assert.equal(await hostSideProblem(tcp('192.0.2.1', 8080)), '192.0.2.1 is not an address of this host; fix hostIP');
  });

  it('tells a user without privileges that a host port below 1024 needs them, for TCP and UDP', async () => {
    // Everything runs as root on the build machines: the probe drops to nobody (65534) there.
    const probe = fileURLToPath(new URL('./test-support/privileged-bind-probe.ts', import.meta.url));
    const command = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
    const [file = '', ...args] = [...command, probe, '80', '81'];
    const { stdout } = await promisify(execFile)(file, args);
    const said = JSON.parse(stdout) as { uid: number; tcp?: string; udp?: string };
    assert.notEqual(said.uid, 0);
    assert.equal(said.tcp, 'host port 80 on 127.0.0.1 needs privileges (ports below 1024); use a portForwards rule with guestPort: 80 and another hostPort of 1024 or more');
    assert.equal(said.udp, 'UDP host port 81 on 127.0.0.1 needs privileges (ports below 1024); use a portForwards rule with guestPort: 81 and another hostPort of 1024 or more');
  });

  it('makes the socket\'s folder, and refuses a path too long or taken by a file', async () => {
    const socket = path.join(dir, 'sock', 'docker.sock');
    assert.equal(await hostSideProblem(unix(socket)), undefined);
    assert.ok((await fs.stat(path.dirname(socket))).isDirectory());
    await fs.writeFile(socket, 'not a socket');
    assert.equal(await hostSideProblem(unix(socket)), `${socket} exists and is not a socket; move it away or set another hostSocket`);
    assert.match(await hostSideProblem(unix(path.join(dir, 'x'.repeat(120)))) ?? '', /^the host socket path is \d+ bytes, more than unix sockets allow \(103\); set a shorter hostSocket$/);
  });
});
