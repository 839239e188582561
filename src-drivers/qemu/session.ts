// The driver's live connection to one running VM: its QMP client (QEMU serves one at a time,
// so every call for the VM shares it) and its serial console. Sessions are a cache, never the
// truth: any call may find none (fresh driver process) and attach again from the instance's
// sockets. A session also watches its VM, telling the engine when it stops by itself.
import { DriverError } from '../sdk/index.ts';
import type { DriverContext, InstanceSpec } from '../sdk/index.ts';
import type { InstancePaths } from './paths.ts';
import { waitForExit } from './process.ts';
import { QmpClient } from './qmp.ts';
import type { QmpEvent } from './qmp.ts';
import { SerialConsole } from './serial.ts';
import { queryStatusSchema, stateFromRunState } from './status.ts';

/** How long QEMU may linger after its QMP socket closed before we call it still alive. */
const EXIT_GRACE_MS = 3_000;

const shutdownReasons: Record<string, string> = {
  'guest-shutdown': 'the guest powered off',
  'guest-panic': 'the guest kernel panicked',
  'host-signal': 'QEMU was ended by a signal',
  'host-qmp-quit': 'QEMU was told to quit',
  'host-ui': 'QEMU was closed from its window',
};

export class VmSession {
  readonly instance: string;
  readonly pid: number;
  readonly paths: InstancePaths;
  readonly qmp: QmpClient;
  readonly #context: DriverContext;
  #console: Promise<SerialConsole> | undefined;
  #silenced = false;
  #shutdownReason: string | undefined;

  constructor(instance: string, pid: number, paths: InstancePaths, qmp: QmpClient, context: DriverContext) {
    this.instance = instance;
    this.pid = pid;
    this.paths = paths;
    this.qmp = qmp;
    this.#context = context;
    qmp.on('event', (event) => this.#onEvent(event));
  }

  get isClosed(): boolean {
    return this.qmp.isClosed;
  }

  /** QEMU's run state, e.g. 'running' or 'paused'. */
  async runState(): Promise<string> {
    return (await this.qmp.query(queryStatusSchema, 'query-status')).status;
  }

  /** The VM's serial console, connected on first use and again after it failed. */
  console(): Promise<SerialConsole> {
    if (!this.#console) {
      const connecting = SerialConsole.connect(this.paths.serialSocket, this.#context.streams);
      this.#console = connecting;
      connecting.then((serial) => serial.onClose(() => { if (this.#console === connecting) this.#console = undefined; }),
        () => { if (this.#console === connecting) this.#console = undefined; });
    }
    return this.#console;
  }

  /** Detaches `streamId` if it is attached to this VM's console. */
  async detachConsole(streamId: string): Promise<boolean> {
    const serial = await this.#console?.catch(() => undefined);
    return serial?.detach(streamId) ?? false;
  }

  /** Stops reporting this VM's exit: the driver is ending the VM itself, or letting go of it. */
  silence(): void {
    this.#silenced = true;
  }

  /** Waits for QEMU to drop the QMP connection (it exits); false after `timeoutMs`. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    try {
      return await Promise.race([this.qmp.closed().then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops the connections; the VM keeps running. */
  close(): void {
    this.silence();
    this.qmp.close();
    void this.#console?.then((serial) => serial.close(), () => undefined);
  }

  /** Called by the registry when QMP closes: end the consoles and tell the engine why the VM went. */
  async ended(): Promise<void> {
    void this.#console?.then((serial) => serial.close(), () => undefined);
    if (this.#silenced) return;
    if (await waitForExit(this.pid, EXIT_GRACE_MS)) {
      const reason = this.#shutdownReason ?? `QEMU exited unexpectedly; see ${this.paths.log}`;
      this.#context.emit({ type: 'state', instance: this.instance, state: 'Stopped', reason });
    } else {
      this.#context.emit({ type: 'log', level: 'warn', message: `${this.instance}: lost the QMP connection while QEMU (pid ${this.pid}) still runs; the next call reconnects` });
    }
  }

  #onEvent(event: QmpEvent): void {
    if (event.event === 'SHUTDOWN') {
      const reason = typeof event.data?.reason === 'string' ? event.data.reason : '';
      this.#shutdownReason = shutdownReasons[reason] ?? `QEMU shut down (${reason || 'no reason given'})`;
    } else if (event.event === 'STOP' && !this.#silenced) {
      // Our own pause() is not news; a stop by QEMU itself (I/O error, accelerator fault) is.
      void this.runState().then((status) => {
        const mapped = stateFromRunState(status, this.paths.log);
        if (mapped.state === 'Broken') this.#context.emit({ type: 'state', instance: this.instance, state: 'Broken', ...(mapped.reason ? { reason: mapped.reason } : {}) });
      }, () => undefined);
    }
  }
}

/** The sessions of one driver process, one per VM (keyed by QMP socket). */
export class SessionRegistry {
  readonly #context: DriverContext;
  readonly #sessions = new Map<string, Promise<VmSession>>();

  constructor(context: DriverContext) {
    this.#context = context;
  }

  /** The VM's session, attaching to QEMU (pid `pid`) when there is none. Rejects when QMP does not answer. */
  attach(spec: InstanceSpec, paths: InstancePaths, pid: number): Promise<VmSession> {
    const key = paths.qmpSocket;
    const existing = this.#sessions.get(key);
    if (existing) {
      return existing.then((session) => {
        if (!session.isClosed && session.pid === pid) return session;
        session.close(); // a session of an earlier QEMU of this instance
        if (this.#sessions.get(key) === existing) this.#sessions.delete(key);
        return this.attach(spec, paths, pid);
      }, () => {
        if (this.#sessions.get(key) === existing) this.#sessions.delete(key);
        return this.attach(spec, paths, pid);
      });
    }
    const attaching = QmpClient.connect(paths.qmpSocket).then((qmp) => {
      const session = new VmSession(spec.name, pid, paths, qmp, this.#context);
      qmp.once('close', () => {
        if (this.#sessions.get(key) === attaching) this.#sessions.delete(key);
        void session.ended();
      });
      return session;
    });
    this.#sessions.set(key, attaching);
    // A failed attach is not cached: the next call tries again.
    attaching.catch(() => { if (this.#sessions.get(key) === attaching) this.#sessions.delete(key); });
    return attaching;
  }

  /** The attached session of a VM, if this process has one. */
  async find(paths: InstancePaths): Promise<VmSession | undefined> {
    const session = await this.#sessions.get(paths.qmpSocket)?.catch(() => undefined);
    return session && !session.isClosed ? session : undefined;
  }

  async detachConsole(streamId: string): Promise<void> {
    for (const pending of this.#sessions.values()) {
      const session = await pending.catch(() => undefined);
      if (await session?.detachConsole(streamId)) return;
    }
  }

  /** Drops every connection (the VMs keep running); for tests and orderly driver exits. */
  async closeAll(): Promise<void> {
    const sessions = await Promise.all([...this.#sessions.values()].map((p) => p.catch(() => undefined)));
    this.#sessions.clear();
    for (const session of sessions) session?.close();
  }
}

export function notRunning(spec: InstanceSpec, what: string): DriverError {
  return new DriverError('INVALID_STATE', `cannot ${what} ${spec.name}: it is not running`, { instance: spec.name });
}
