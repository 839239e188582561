// Run as an unprivileged user by host-side.test.ts: the forwarder's own bind checks for a host
// port below 1024, TCP (hostSideProblem, before ssh is asked) and UDP (the relay's socket), each
// printed as the message ports.json would carry. Args: TCP port, UDP port.
import { toDriverError } from '../../../../src-drivers/sdk/errors.ts';
import type { PlannedForward } from '../forward-plan.ts';
import { hostPortProblem, hostSideProblem } from '../host-side.ts';
import { UdpRelay } from '../udp-relay.ts';

const [tcpPort, udpPort] = process.argv.slice(2).map(Number);
const planned = (proto: 'tcp' | 'udp', port: number): PlannedForward => ({
  key: `${proto}:${port}`, spec: '', origin: 'portForwards[0]', guest: { host: '127.0.0.1', port },
  forward: { guestPort: port, hostIP: '127.0.0.1', hostPort: port, proto, source: 'static' },
});

const tcp = await hostSideProblem(planned('tcp', tcpPort ?? 80));
const udpForward = planned('udp', udpPort ?? 81);
const relay = new UdpRelay(() => { throw new Error('no datagram is sent in this probe'); }, () => undefined);
const udp = await relay.add(udpForward.key, { guestHost: '127.0.0.1', guestPort: udpForward.forward.guestPort, hostIP: '127.0.0.1', hostPort: udpForward.forward.hostPort })
  .then(() => undefined, (error: unknown) => {
    const typed = toDriverError(error);
    return hostPortProblem(udpForward.forward, typeof typed.details.code === 'string' ? typed.details.code : typed.message);
  });
relay.close();
process.stdout.write(`${JSON.stringify({ uid: process.getuid?.(), tcp, udp })}\n`);
