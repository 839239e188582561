// The VMs a driver process is looking after, whatever tells it they went: each one's serial
// console (opened on first use, ended with the VM) and whether the driver is ending it itself
// (then its exit is not news). The driver's own watch (a pid file, a hypervisor's events)
// calls gone() when a VM goes by itself, and the engine hears why.
import type { DriverContext, InstanceSpec } from '../protocol.ts';
import { SerialConsole } from '../serial-console.ts';

export interface WatchedVm<T> {
  spec: InstanceSpec;
  /** What the driver's watch keeps per VM (a pid and a timer, a domain's identity). */
  watch: T;
  console: SerialConsole | undefined;
  /** The driver is ending this VM itself: its exit is not news. */
  silenced: boolean;
}

export class WatchedVms<T> {
  readonly #context: DriverContext;
  readonly #onForget: (vm: WatchedVm<T>) => void;
  readonly #vms = new Map<string, WatchedVm<T>>();

  /** `onForget` undoes the driver's watch of one VM (after it has left the list). */
  constructor(context: DriverContext, onForget: (vm: WatchedVm<T>) => void = () => undefined) {
    this.#context = context;
    this.#onForget = onForget;
  }

  get size(): number {
    return this.#vms.size;
  }

  get(key: string): WatchedVm<T> | undefined {
    return this.#vms.get(key);
  }

  keys(): string[] {
    return [...this.#vms.keys()];
  }

  /** Adds a VM under `key` (replacing, and forgetting, one there already). */
  add(key: string, spec: InstanceSpec, watch: T): WatchedVm<T> {
    this.forget(key);
    const vm: WatchedVm<T> = { spec, watch, console: undefined, silenced: false };
    this.#vms.set(key, vm);
    return vm;
  }

  /** The watched VM's console, opened on first use (again after it closed). */
  console(vm: WatchedVm<T>, serialLog: string, serialSocket: string): SerialConsole {
    if (!vm.console || vm.console.isClosed) {
      vm.console = new SerialConsole(serialLog, serialSocket, this.#context.streams,
        (message) => this.#context.emit({ type: 'log', level: 'warn', message: `${vm.spec.name}: ${message}` }));
    }
    return vm.console;
  }

  /** The driver itself is ending the VM: its exit will not be reported as news. */
  silence(key: string): void {
    const vm = this.#vms.get(key);
    if (vm) vm.silenced = true;
  }

  /** Stops looking after the VM: its console ends, the driver's watch is undone. */
  forget(key: string): void {
    const vm = this.#vms.get(key);
    if (!vm) return;
    this.#vms.delete(key);
    vm.console?.close();
    this.#onForget(vm);
  }

  /** The VM went by itself: forgotten, and the engine hears `reason` unless the driver was ending it. */
  gone(key: string, reason: string): void {
    const vm = this.#vms.get(key);
    if (!vm) return;
    this.forget(key);
    if (!vm.silenced) this.#context.emit({ type: 'state', instance: vm.spec.name, state: 'Stopped', reason });
  }

  /** Detaches a console stream from whichever VM has it; an unknown id is not an error. */
  detachConsole(streamId: string): void {
    for (const vm of this.#vms.values()) if (vm.console?.detach(streamId)) return;
  }

  /** Forgets every VM (the VMs keep running). */
  closeAll(): void {
    for (const key of this.keys()) this.forget(key);
  }
}
