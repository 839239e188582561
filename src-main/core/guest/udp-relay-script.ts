// The guest half of UDP forwarding. OpenSSH forwards TCP streams only, so datagrams travel
// framed over an SSH session's stdin and stdout to this small relay, which sends each to the
// guest program from a socket of its own per host-side client (a "flow") and frames the answers
// back. It is Python 3 because a cloud guest surely has it: cloud-init, which set the guest up
// from Corral's cidata, is a Python program. Nothing is installed or left in the guest: the
// script is passed on the command line and ends with its session.
//
// Frames, each after a 4-byte big-endian length of what follows:
//   host -> guest: flow id (u32), guest port (u16), family (u8: 4 or 6), address (4 or 16 bytes), payload
//   guest -> host: flow id (u32), payload
// A flow idle for `idleSeconds` is closed in the guest; a later datagram of it opens it again.

export const udpRelayIdleSeconds = 120;

const relaySource = `
import os, select, socket, struct, time
IDLE = ${udpRelayIdleSeconds}
flows = {}
owners = {}
pending = b''

def out(fid, data):
    view = memoryview(struct.pack('>II', 4 + len(data), fid) + data)
    while view:
        view = view[os.write(1, view):]

def deliver(frame):
    fid, port, fam = struct.unpack('>IHB', frame[:7])
    size = 4 if fam == 4 else 16
    family = socket.AF_INET if fam == 4 else socket.AF_INET6
    flow = flows.get(fid)
    if flow is None:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.connect((socket.inet_ntop(family, frame[7:7 + size]), port))
        flow = flows[fid] = [sock, 0]
        owners[sock] = fid
    flow[1] = time.monotonic()
    try:
        flow[0].send(frame[7 + size:])
    except OSError:
        pass

while True:
    ready = select.select([0] + list(owners), [], [], 10)[0]
    now = time.monotonic()
    for fid in [fid for fid, flow in flows.items() if now - flow[1] > IDLE]:
        sock = flows.pop(fid)[0]
        owners.pop(sock)
        sock.close()
    for item in ready:
        if item == 0:
            chunk = os.read(0, 262144)
            if not chunk:
                raise SystemExit(0)
            pending += chunk
            while len(pending) >= 4:
                size = struct.unpack('>I', pending[:4])[0]
                if len(pending) < 4 + size:
                    break
                deliver(pending[4:4 + size])
                pending = pending[4 + size:]
        elif item in owners:
            try:
                data = item.recv(65535)
            except OSError:
                continue
            flows[owners[item]][1] = now
            out(owners[item], data)
`;

/** The remote command: the script travels base64-encoded, so no shell quoting can bite. */
export const udpRelayCommand = `exec python3 -c "import base64; exec(base64.b64decode('${Buffer.from(relaySource).toString('base64')}'))"`;

/** How the shell reports a command it cannot find: the relay's session exits with this. */
export const commandNotFoundStatus = 127;
