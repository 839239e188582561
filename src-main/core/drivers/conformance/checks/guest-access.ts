// The guest-access group: the capabilities through which the user reaches into the guest, each
// checked only as the handshake declares it. ssh: a driver that declares it forwards
// 127.0.0.1:sshLocalPort to the guest while the VM runs and frees the port when it stops; one
// that does not refuses a spec asking for the forward (UNSUPPORTED), or, written before the
// capability existed, ignores it (the engine never sends it one). mounts: a driver that declares
// a mount type checks each shared folder in validate(), before anything is made; one that
// declares none refuses a spec with mounts (UNSUPPORTED) or ignores them, as for ssh.
import net from 'node:net';
import path from 'node:path';
import type { InstanceSpec, MountType } from '../../../../../src-drivers/sdk/protocol.ts';
import type { ConformanceCheck } from '../check.ts';
import { CheckFailure } from '../runner.ts';
import { conformanceMac } from '../state.ts';

/** Connects to 127.0.0.1:port; resolves once the connection is accepted, rejects with the socket error. */
function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

/** Whether the port can be bound on 127.0.0.1 again (its forward is gone). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export const sshForward: ConformanceCheck = {
  group: 'guest-access', name: 'ssh-forward', title: 'ssh: after start(), 127.0.0.1:sshLocalPort accepts a connection', timeoutMs: (t) => t.call, needs: ['lifecycle/start'],
  skipIf: (state) => state.lacks('ssh')(),
  async run(state) {
    const port = state.sshPort;
    if (port === undefined) throw new CheckFailure('start() was not given an SSH port (the kit found none free)');
    try {
      await connectOnce(port);
    } catch (error) {
      throw new CheckFailure(`nothing accepts connections on 127.0.0.1:${port} after start() returned (${(error as NodeJS.ErrnoException).code ?? String(error)}); a driver that declares capabilities.ssh forwards spec.config.network.sshLocalPort on 127.0.0.1 to the guest's port 22 while the VM runs`);
    }
    return `127.0.0.1:${port} accepts connections`;
  },
};

export const sshReleased: ConformanceCheck = {
  group: 'guest-access', name: 'ssh-released', title: 'ssh: after stop(), the forwarded port is free again', timeoutMs: (t) => t.call, needs: ['lifecycle/stop'],
  skipIf: (state) => state.lacks('ssh')(),
  async run(state) {
    const port = state.sshPort;
    if (port === undefined || !(await bindable(port))) {
      throw new CheckFailure(`127.0.0.1:${port} is still taken after stop() returned; the forward must end with the VM, or the next start cannot use the port`);
    }
    return `127.0.0.1:${port} is free`;
  },
};

export const sshUndeclared: ConformanceCheck = {
  group: 'guest-access', name: 'ssh-undeclared', title: 'no ssh capability: validate() of a spec asking for an SSH forward refuses it (UNSUPPORTED) or ignores it', timeoutMs: (t) => t.call, needs: ['lifecycle/validate'],
  skipIf: (state) => state.offers('ssh')(),
  async run(state) {
    const spec: InstanceSpec = { ...state.full, config: { ...state.full.config, network: { macAddress: conformanceMac, sshLocalPort: 2222 } } };
    const label = 'validate() of a spec asking for an SSH forward';
    try {
      await state.host.call('validate', spec);
    } catch (error) {
      const typed = state.calls.remember(label, error);
      if (typed.code === 'UNSUPPORTED') return `refused: ${typed.message}`;
      throw new CheckFailure(`validate() of a spec with network.sshLocalPort failed with ${typed.code} (${typed.message}); a driver without capabilities.ssh answers UNSUPPORTED, saying why, or ignores the field`);
    }
    return 'ignored (as a driver written before the ssh capability does; the engine sends it no port)';
  },
};

/** The spec of the full guest with one shared folder of `type` at `hostPath`. */
function withMount(state: { full: InstanceSpec }, type: MountType, hostPath: string): InstanceSpec {
  const mount = { tag: 'conformance0', hostPath, mountPoint: '/mnt/conformance', writable: false, type };
  return { ...state.full, config: { ...state.full.config, mounts: [mount] } };
}

export const mountsMissingFolder: ConformanceCheck = {
  group: 'guest-access', name: 'mounts-missing-folder', title: 'mounts: validate() refuses a shared folder that does not exist (INVALID_CONFIG naming the mount), for each declared type', timeoutMs: (t) => t.call, needs: ['lifecycle/validate'],
  skipIf: (state) => state.lacks('mounts')(),
  async run(state) {
    const types = state.handshake?.capabilities.mounts ?? [];
    for (const type of types) {
      const missing = path.join(state.paths.instances, 'no-such-folder');
      const error = await state.calls.refuse('INVALID_CONFIG', `the ${type} folder ${missing} does not exist, and validate() must say so before anything is made`, 'validate', `validate() of a spec sharing a missing folder over ${type}`, withMount(state, type, missing));
      const field = error.details.field;
      if (typeof field !== 'string' || !/mount/i.test(field)) {
        throw new CheckFailure(`validate() refused the missing ${type} folder with INVALID_CONFIG but details.field is ${JSON.stringify(field)}; name the mount (e.g. "mounts[0].location") so the user knows which folder`);
      }
    }
    return `refused for ${types.join(', ')}`;
  },
};

export const mountsUndeclared: ConformanceCheck = {
  group: 'guest-access', name: 'mounts-undeclared', title: 'no mounts capability: validate() of a spec with a shared folder refuses it (UNSUPPORTED) or ignores it', timeoutMs: (t) => t.call, needs: ['lifecycle/validate'],
  skipIf: (state) => state.offers('mounts')(),
  async run(state) {
    const label = 'validate() of a spec with a shared folder';
    try {
      await state.host.call('validate', withMount(state, '9p', state.paths.instances));
    } catch (error) {
      const typed = state.calls.remember(label, error);
      if (typed.code === 'UNSUPPORTED') return `refused: ${typed.message}`;
      throw new CheckFailure(`validate() of a spec with config.mounts failed with ${typed.code} (${typed.message}); a driver without capabilities.mounts answers UNSUPPORTED, saying why, or ignores the field`);
    }
    return 'ignored (as a driver written before the mounts capability does; the engine sends it none)';
  },
};
