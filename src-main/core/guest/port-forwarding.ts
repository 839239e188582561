// Port forwarding for a running guest, over its SSH connection: static rules at once, and the
// ports guest programs open later as the guest's discovery loop reports them, added and removed
// on the host agent's own connection (its ControlMaster: ssh/shared-connection.ts), so nothing
// waits for a second login once the guest is ready. ports.json says what is live and what could
// not be forwarded (a host port in use, a privileged one): those are reported, never fatal, and
// the VM runs on.
import fs from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { SshTarget } from '../ssh/client.ts';
import type { SharedConnection } from '../ssh/shared-connection.ts';
import { planForwards } from './forward-plan.ts';
import type { PlannedForward } from './forward-plan.ts';
import { discoveryScript, snapshotReader } from './guest-listeners.ts';
import { hostPortProblem, hostSideProblem } from './host-side.ts';
import { effectiveRules } from './port-rules.ts';
import type { GuestListener, PortForwardRule } from './port-rules.ts';
import { describeForward, writePortsFile } from './ports-file.ts';
import type { PortProblem } from './ports-file.ts';
import { muxForward, startMuxSession } from './ssh-master.ts';
import { UdpRelay } from './udp-relay.ts';
import { udpRelayCommand } from './udp-relay-script.ts';

export type { PortForwardRule } from './port-rules.ts';

export interface PortForwardingOptions {
  target: SshTarget;
  /** The instance folder; ports.json is written here. */
  dir: string;
  /** The boot these forwards belong to (boot-id), written into ports.json. */
  bootId?: string | undefined;
  /** The template's portForwards, parsed (portForwardRules in port-rules.ts). */
  rules: PortForwardRule[];
  /** Aborted when the VM stops or the agent ends. */
  signal: AbortSignal;
  log(line: string): void;
  /** The SSH connection the forwards ride on; each time it is up again, they return. */
  connection: SharedConnection;
}

/** Delays before the discovery loop starts again on a connection that stays up, growing to the last. */
const restartDelaysMs = [1000, 2000, 5000, 10_000];

/** Forwards static rules at once and discovered ports as they come and go, until `signal` aborts. */
export async function forwardPorts(options: PortForwardingOptions): Promise<void> {
  const { signal, log, connection } = options;
  const session = new ForwardingSession(options, connection.controlPath);
  try {
    for (let attempt = 0; !signal.aborted; attempt++) {
      const connectionEnded = await connection.whenUp(signal);
      if (!connectionEnded) break;
      const { exit, connected } = await session.run(connectionEnded);
      if (signal.aborted) break;
      // A loop that worked starts the delays over: only repeated failures wait longer.
      if (connected) attempt = 0;
      const wait = restartDelaysMs[Math.min(attempt, restartDelaysMs.length - 1)] ?? 10_000;
      // Whichever comes first: the delay, or the connection's end (then the next connection's start).
      const pause = delay(wait, undefined, { signal: AbortSignal.any([signal, connectionEnded]) }).catch(() => undefined);
      log(connectionEnded.aborted
        ? `port forwarding: the SSH connection ended (${exit}); the forwards return when the host agent has reconnected`
        : `port forwarding: the guest's port discovery ended (${exit}); starting it again in ${wait / 1000} s`);
      await pause;
    }
  } finally {
    await session.finish();
  }
}

/** The state of one forwarding run: what is applied on the current master, and what failed. */
class ForwardingSession {
  readonly #options: PortForwardingOptions;
  readonly #controlPath: string;
  readonly #rules: PortForwardRule[];
  #applied = new Map<string, PlannedForward>();
  #failed: PortProblem[] = [];
  #queue: Promise<void> = Promise.resolve();
  #latest: GuestListener[] | undefined;
  #applyQueued = false;
  /** UDP forwards' sockets and their relay in the guest, on the current master (made at the first one). */
  #udp: UdpRelay | undefined;
  /** Why the guest's UDP relay could not run (no python3, ...), until the next connection. */
  #udpProblem: string | undefined;

  constructor(options: PortForwardingOptions, controlPath: string) {
    this.#options = options;
    this.#controlPath = controlPath;
    this.#rules = effectiveRules(options.rules, options.target.port);
  }

  /**
   * The guest's discovery loop as a session on the connection, from its start to its end (or the
   * abort, or the connection's end): how it ended, and whether the guest listed its ports.
   */
  async run(connectionEnded: AbortSignal): Promise<{ exit: string; connected: boolean }> {
    const { target, signal } = this.#options;
    const discovery = startMuxSession(target, this.#controlPath, discoveryScript);
    this.#udpProblem = undefined;
    // The static rules need no listing: they go up now, not after the loop's first snapshot
    // (seconds on a guest under TCG).
    this.#onSnapshot([]);
    const end = AbortSignal.any([signal, connectionEnded]);
    const onEnd = (): void => void discovery.kill('SIGTERM');
    end.addEventListener('abort', onEnd, { once: true });
    let stderr = '';
    discovery.stderr.setEncoding('utf8');
    discovery.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
    discovery.stdin.end();
    discovery.stdout.setEncoding('utf8');
    let connected = false;
    discovery.stdout.on('data', snapshotReader((listeners) => {
      // Logged with its time: from the guest's ready to here is the wait before ports are listed.
      if (!connected) this.#options.log('port forwarding: connected; the guest listed its ports');
      connected = true;
      this.#onSnapshot(listeners);
    }));
    const exit = await new Promise<string>((resolve) => {
      discovery.once('error', (error) => resolve(toDriverError(error).message));
      discovery.once('close', (code, exitSignal) => resolve(stderr.trim().split('\n').pop() || `ssh exit ${code ?? exitSignal}`));
    });
    end.removeEventListener('abort', onEnd);
    await this.#serialised(async () => {
      // A connection that ended took its forwards with it, and at the agent's end its connection
      // ends too; on one that lives on, they are cancelled.
      if (!connectionEnded.aborted && !signal.aborted) await this.#cancelApplied(connectionEnded);
      await this.#dropApplied();
      this.#latest = undefined;
      if (!signal.aborted) await this.#record();
    });
    return { exit, connected };
  }

  /** Whatever happened, the record ends empty: nothing is forwarded any more. */
  async finish(): Promise<void> {
    await this.#queue;
    await this.#dropApplied();
    await this.#record();
  }

  /** Releases the TCP forwards on a connection that lives on after the discovery loop ended. */
  async #cancelApplied(connectionEnded: AbortSignal): Promise<void> {
    for (const applied of this.#applied.values()) {
      if (applied.forward.proto === 'udp') continue;
      await muxForward(this.#options.target, this.#controlPath, 'cancel', applied.spec).catch((error: unknown) => {
        if (!connectionEnded.aborted) this.#options.log(`port forwarding: could not remove ${describeForward(applied.forward)}: ${toDriverError(error).message}`);
      });
    }
  }

  /** Forgets the forwards of a connection that has ended, and the socket files ssh leaves behind. */
  async #dropApplied(): Promise<void> {
    this.#udp?.close();
    this.#udp = undefined;
    for (const applied of this.#applied.values()) {
      const file = applied.forward.hostSocket;
      if (file && (await fs.lstat(file).catch(() => undefined))?.isSocket()) await fs.rm(file, { force: true });
    }
    this.#applied.clear();
  }

  #onSnapshot(listeners: GuestListener[]): void {
    // Only the newest snapshot matters: a burst of changes is applied once it settles.
    this.#latest = listeners;
    if (this.#applyQueued) return;
    this.#applyQueued = true;
    void this.#serialised(() => {
      this.#applyQueued = false;
      return this.#apply();
    });
  }

  #serialised(step: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(step).catch((error: unknown) => this.#options.log(`port forwarding: ${toDriverError(error).message}`));
    this.#queue = next;
    return next;
  }

  async #apply(): Promise<void> {
    const listeners = this.#latest;
    if (!listeners || this.#options.signal.aborted) return;
    const { planned } = planForwards(this.#rules, listeners);
    const wanted = new Map(planned.map((forward) => [forward.key, forward]));
    for (const [key, applied] of this.#applied) {
      if (wanted.get(key)?.spec === applied.spec) continue;
      await this.#cancel(applied);
    }
    this.#failed = [];
    for (const forward of planned) {
      if (!this.#applied.has(forward.key)) await this.#add(forward);
    }
    await this.#record();
  }

  async #add(forward: PlannedForward): Promise<void> {
    if (forward.forward.proto === 'udp') {
      await this.#addUdp(forward);
      return;
    }
    const problem = await hostSideProblem(forward);
    if (problem) {
      this.#fail(forward, problem);
      return;
    }
    try {
      await muxForward(this.#options.target, this.#controlPath, 'forward', forward.spec);
      this.#applied.set(forward.key, forward);
      this.#options.log(`port forwarding: ${describeForward(forward.forward)} (${forward.forward.source}, ${forward.origin})`);
    } catch (error) {
      this.#fail(forward, toDriverError(error).message);
    }
  }

  async #cancel(applied: PlannedForward): Promise<void> {
    this.#applied.delete(applied.key);
    if (applied.forward.proto === 'udp') {
      this.#udp?.remove(applied.key);
      this.#options.log(`port forwarding: removed ${describeForward(applied.forward)}`);
      return;
    }
    await muxForward(this.#options.target, this.#controlPath, 'cancel', applied.spec).catch((error: unknown) => {
      this.#options.log(`port forwarding: could not remove ${describeForward(applied.forward)}: ${toDriverError(error).message}`);
    });
    this.#options.log(`port forwarding: removed ${describeForward(applied.forward)}`);
  }

  /** OpenSSH forwards streams only: a UDP forward is a host socket whose datagrams the guest's relay delivers. */
  async #addUdp(forward: PlannedForward): Promise<void> {
    const { target } = this.#options;
    this.#udp ??= new UdpRelay(() => startMuxSession(target, this.#controlPath, udpRelayCommand), (message) => {
      this.#options.log(`port forwarding: ${message}`);
      this.#udpProblem = message;
      void this.#serialised(() => this.#record());
    });
    const { hostIP, hostPort } = forward.forward;
    try {
      await this.#udp.add(forward.key, { guestHost: forward.guest.host, guestPort: forward.guest.port, hostIP, hostPort });
      this.#applied.set(forward.key, forward);
      this.#options.log(`port forwarding: ${describeForward(forward.forward)} (${forward.forward.source}, ${forward.origin})`);
    } catch (error) {
      const typed = toDriverError(error);
      this.#fail(forward, hostPortProblem(forward.forward, typeof typed.details.code === 'string' ? typed.details.code : typed.message));
    }
  }

  #fail(forward: PlannedForward, why: string): void {
    const message = `${describeForward(forward.forward)} not forwarded: ${why}`;
    this.#failed.push({ ...(forward.forward.guestPort ? { guestPort: forward.forward.guestPort } : {}), message });
    this.#options.log(`port forwarding: ${message}`);
  }

  async #record(): Promise<void> {
    const forwards = [...this.#applied.values()].map((applied) => applied.forward);
    const udpProblems = this.#udpProblem ? [{ message: this.#udpProblem }] : [];
    const { dir, bootId } = this.#options;
    await writePortsFile(dir, { pid: process.pid, ...(bootId ? { bootId } : {}), forwards, problems: [...udpProblems, ...this.#failed] });
  }
}
