// The VMs this driver process is looking after: their consoles, and a watch that notices when
// a VM goes by itself (the guest powered off, QEMU crashed), so consoles end and the engine
// hears of it. QEMU removes its pid file on a clean exit, which a folder watch sees at once;
// a QEMU that was killed leaves it behind, which the slow liveness check catches.
import fs from 'node:fs';
import { SerialConsole } from '../sdk/index.ts';
import type { DriverContext, InstanceSpec } from '../sdk/index.ts';
import type { InstancePaths } from './paths.ts';
import { isAlive } from './process.ts';

const LIVENESS_CHECK_MS = 2_000;

interface WatchedVm {
  pid: number;
  console: SerialConsole | undefined;
  folder: fs.FSWatcher;
  timer: NodeJS.Timeout;
  /** The driver is ending this VM itself: its exit is not news. */
  silenced: boolean;
}

export class WatchedVms {
  readonly #context: DriverContext;
  readonly #vms = new Map<string, WatchedVm>();

  constructor(context: DriverContext) {
    this.#context = context;
  }

  /** Starts watching the VM (idempotent for the same pid). */
  watch(spec: InstanceSpec, paths: InstancePaths, pid: number): void {
    const current = this.#vms.get(spec.dir);
    if (current?.pid === pid) return;
    if (current) this.#forget(spec.dir, current);
    const check = () => void this.#check(spec, paths);
    const folder = fs.watch(spec.dir, (_event, file) => { if (file?.toString() === 'qemu.pid') check(); });
    folder.on('error', () => undefined);
    const timer = setInterval(check, LIVENESS_CHECK_MS);
    timer.unref();
    folder.unref();
    this.#vms.set(spec.dir, { pid, console: undefined, folder, timer, silenced: false });
  }

  /** The VM's console, opened on first use. The VM must be watched. */
  console(spec: InstanceSpec, paths: InstancePaths, pid: number): SerialConsole {
    this.watch(spec, paths, pid);
    const vm = this.#vms.get(spec.dir) as WatchedVm;
    if (!vm.console || vm.console.isClosed) {
      vm.console = new SerialConsole(paths.serialLog, paths.serialSocket, this.#context.streams,
        (message) => this.#context.emit({ type: 'log', level: 'warn', message: `${spec.name}: ${message}` }));
    }
    return vm.console;
  }

  /** The driver itself is ending the VM: its exit will not be reported as news. */
  silence(spec: InstanceSpec): void {
    const vm = this.#vms.get(spec.dir);
    if (vm) vm.silenced = true;
  }

  /** Called after the driver ended a VM: consoles end, the watch stops. */
  ended(spec: InstanceSpec): void {
    const vm = this.#vms.get(spec.dir);
    if (vm) this.#forget(spec.dir, vm);
  }

  detachConsole(streamId: string): void {
    for (const vm of this.#vms.values()) if (vm.console?.detach(streamId)) return;
  }

  async #check(spec: InstanceSpec, paths: InstancePaths): Promise<void> {
    const vm = this.#vms.get(spec.dir);
    if (!vm) return;
    const pidFileLeft = fs.existsSync(paths.pidFile);
    if (pidFileLeft && (await isAlive(vm.pid))) return;
    if (this.#vms.get(spec.dir) !== vm) return;
    this.#forget(spec.dir, vm);
    // QEMU removes its pid file when it exits cleanly: the guest powered off (or another engine quit it).
    const reason = pidFileLeft ? `QEMU ended abruptly (killed or crashed); see ${paths.log}` : 'the guest powered off';
    if (!vm.silenced) this.#context.emit({ type: 'state', instance: spec.name, state: 'Stopped', reason });
  }

  #forget(dir: string, vm: WatchedVm): void {
    this.#vms.delete(dir);
    vm.folder.close();
    clearInterval(vm.timer);
    vm.console?.close();
  }

  /** Stops every watch (the VMs keep running). */
  closeAll(): void {
    for (const [dir, vm] of this.#vms) this.#forget(dir, vm);
  }
}
