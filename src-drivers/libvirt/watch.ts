// How this driver process notices that a domain it looks after went by itself (the guest
// powered off, QEMU crashed, someone ran `virsh destroy`), so consoles end and the engine
// hears of it; the bookkeeping of consoles and of VMs the driver is ending itself is the SDK's
// WatchedVms. libvirt says so itself: one `virsh event --loop`
// per driver process, started while any VM is watched, prints every domain lifecycle event.
// It ends with the driver process (exit, SIGTERM), runs with a timeout (so one orphaned by a
// SIGKILLed driver does not live on for long) and is started again while VMs are watched, each
// time followed by a look at every watched domain's state, which covers anything that happened
// while no listener was registered.
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { WatchedVms } from '../sdk/index.ts';
import type { DriverContext, InstanceSpec, SerialConsole, WatchedVm } from '../sdk/index.ts';
import type { DomainIdentity } from './domain.ts';
import type { InstancePaths } from './paths.ts';
import { isActive, parseDomstate, parseLifecycleEvent } from './state.ts';
import type { Virsh } from './virsh.ts';

/** How long one event listener lives before the next replaces it (bounds an orphan's life). */
const LISTENER_LIFETIME_S = 300;
/** After a listener failed, the wait before the next one. */
const RESTART_BACKOFF_MS = 2_000;

interface DomainFacts {
  identity: DomainIdentity;
  paths: InstancePaths;
}

/** Why a domain stopped, from the event's detail, in the user's words. */
function stopReason(detail: string): string {
  switch (detail) {
    case 'Shutdown': return 'the guest powered off';
    case 'Destroyed': return 'the VM was ended outside Corral (virsh destroy, or another Corral)';
    case 'Crashed': return 'QEMU crashed; see libvirt\'s log for the domain';
    case 'Failed': return 'QEMU failed; see libvirt\'s log for the domain';
    case 'Saved': return 'libvirt saved the VM to a file (virsh save) and stopped it';
    case 'Migrated': return 'the VM was migrated to another host';
    default: return `libvirt stopped the VM (${detail || 'no reason given'})`;
  }
}

export class DomainWatch {
  readonly #context: DriverContext;
  readonly #virsh: Virsh;
  /** Keyed by domain name (what events name). */
  readonly #vms: WatchedVms<DomainFacts>;
  #listener: ChildProcess | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  readonly #killListener = () => this.#listener?.kill();
  /**
   * The engine ends a driver with SIGTERM, whose default action skips 'exit' handlers: end the
   * listener, then let the signal do what it would have done.
   */
  readonly #onTerm = () => {
    this.#stopListening();
    process.kill(process.pid, 'SIGTERM');
  };

  constructor(context: DriverContext, virsh: Virsh) {
    this.#context = context;
    this.#virsh = virsh;
    this.#vms = new WatchedVms(context, () => { if (this.#vms.size === 0) this.#stopListening(); });
  }

  /** Starts watching the VM (idempotent). */
  watch(spec: InstanceSpec, identity: DomainIdentity, paths: InstancePaths): void {
    const current = this.#vms.get(identity.name);
    if (current) {
      current.spec = spec;
      current.watch.paths = paths;
      return;
    }
    this.#vms.add(identity.name, spec, { identity, paths });
    this.#listen();
  }

  /** The VM's console, opened on first use. */
  console(spec: InstanceSpec, identity: DomainIdentity, paths: InstancePaths): SerialConsole {
    this.watch(spec, identity, paths);
    const vm = this.#vms.get(identity.name) as WatchedVm<DomainFacts>; // watch() just made sure
    return this.#vms.console(vm, paths.serialLog, paths.serialSocket);
  }

  /** The driver itself is ending the VM: its exit will not be reported as news. */
  silence(identity: DomainIdentity): void {
    this.#vms.silence(identity.name);
  }

  /** Called after the driver ended a VM: consoles end, the watch stops. */
  ended(identity: DomainIdentity): void {
    this.#vms.forget(identity.name);
  }

  detachConsole(streamId: string): void {
    this.#vms.detachConsole(streamId);
  }

  /** Stops every watch and the listener (the VMs keep running). */
  closeAll(): void {
    this.#vms.closeAll();
  }

  /** The domain is gone: consoles end, and the engine hears why unless the driver did it. */
  #stopped(name: string, reason: string): void {
    this.#vms.gone(name, reason);
  }

  #listen(): void {
    if (this.#listener || this.#restartTimer || this.#vms.size === 0) return;
    let exited = false;
    const startedAt = Date.now();
    const child = this.#virsh.follow(['event', '--event', 'lifecycle', '--loop', '--timeout', String(LISTENER_LIFETIME_S)], (line) => {
      const event = parseLifecycleEvent(line);
      // A revert restarts QEMU ('Stopped Snapshot', then 'Started Snapshot'): the VM goes on.
      if (event?.event === 'Stopped' && event.detail !== 'Snapshot') this.#stopped(event.domain, stopReason(event.detail));
    }, (why) => {
      if (exited) return;
      exited = true;
      if (this.#listener !== child) return;
      this.#listener = undefined;
      process.off('exit', this.#killListener);
      process.off('SIGTERM', this.#onTerm);
      if (this.#vms.size === 0) return;
      // The lifetime ran out (normal) or virsh failed (libvirtd restarted, say): listen again.
      const failed = Date.now() - startedAt < LISTENER_LIFETIME_S * 1000 - 1000;
      if (failed) this.#context.emit({ type: 'log', level: 'warn', message: `libvirt event listener ended: ${why}; listening again` });
      this.#restartTimer = setTimeout(() => {
        this.#restartTimer = undefined;
        this.#listen();
      }, failed ? RESTART_BACKOFF_MS : 0);
      this.#restartTimer.unref();
    });
    this.#listener = child;
    // A watch never keeps the driver process alive by itself (the engine's channel does).
    child.unref();
    for (const pipe of [child.stdout, child.stderr]) (pipe as Socket | null)?.unref();
    process.on('exit', this.#killListener);
    process.once('SIGTERM', this.#onTerm);
    // What happened while no listener was registered (before this one, or between two).
    for (const name of this.#vms.keys()) void this.#check(name);
  }

  async #check(name: string): Promise<void> {
    const output = await this.#virsh.runOrMissing(['domstate', '--reason', name]).catch(() => 'unknown');
    if (output === undefined) return this.#stopped(name, 'the domain was removed from libvirt');
    if (output === 'unknown') return;
    const state = parseDomstate(output);
    // 'from snapshot': a revert is restarting QEMU right now; the VM goes on.
    if (!isActive(state) && state.reason !== 'from snapshot') this.#stopped(name, 'the VM stopped while no one was watching');
  }

  #stopListening(): void {
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const listener = this.#listener;
    this.#listener = undefined;
    process.off('exit', this.#killListener);
    process.off('SIGTERM', this.#onTerm);
    listener?.kill();
  }
}
