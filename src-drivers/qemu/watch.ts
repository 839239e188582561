// How this driver process notices that a QEMU it looks after went by itself (the guest
// powered off, QEMU crashed), so consoles end and the engine hears of it; the bookkeeping of
// consoles and of VMs the driver is ending itself is the SDK's WatchedVms. QEMU removes its
// pid file on a clean exit, which a folder watch sees at once; a QEMU that was killed leaves
// it behind, which the slow liveness check catches.
import fs from 'node:fs';
import { WatchedVms } from '../sdk/index.ts';
import type { DriverContext, InstanceSpec, SerialConsole, WatchedVm } from '../sdk/index.ts';
import type { InstancePaths } from './paths.ts';
import { isAlive } from './process.ts';

const LIVENESS_CHECK_MS = 2_000;

interface QemuProcessWatch {
  pid: number;
  folder: fs.FSWatcher;
  timer: NodeJS.Timeout;
}

/** The VMs this process looks after, keyed by instance folder. */
export class QemuWatch {
  readonly #vms: WatchedVms<QemuProcessWatch>;

  constructor(context: DriverContext) {
    this.#vms = new WatchedVms(context, ({ watch }) => {
      watch.folder.close();
      clearInterval(watch.timer);
    });
  }

  /** Starts watching the VM (idempotent for the same pid). */
  watch(spec: InstanceSpec, paths: InstancePaths, pid: number): void {
    if (this.#vms.get(spec.dir)?.watch.pid === pid) return;
    const check = () => void this.#check(spec, paths);
    const folder = fs.watch(spec.dir, (_event, file) => { if (file?.toString() === 'qemu.pid') check(); });
    folder.on('error', () => undefined);
    const timer = setInterval(check, LIVENESS_CHECK_MS);
    timer.unref();
    folder.unref();
    this.#vms.add(spec.dir, spec, { pid, folder, timer });
  }

  /** The VM's console, opened on first use; the VM is watched from then on. */
  console(spec: InstanceSpec, paths: InstancePaths, pid: number): SerialConsole {
    this.watch(spec, paths, pid);
    const vm = this.#vms.get(spec.dir) as WatchedVm<QemuProcessWatch>; // watch() just made sure
    return this.#vms.console(vm, paths.serialLog, paths.serialSocket);
  }

  /** The driver itself is ending the VM: its exit will not be reported as news. */
  silence(spec: InstanceSpec): void {
    this.#vms.silence(spec.dir);
  }

  /** Called after the driver ended a VM: consoles end, the watch stops. */
  ended(spec: InstanceSpec): void {
    this.#vms.forget(spec.dir);
  }

  detachConsole(streamId: string): void {
    this.#vms.detachConsole(streamId);
  }

  /** Stops every watch (the VMs keep running). */
  closeAll(): void {
    this.#vms.closeAll();
  }

  async #check(spec: InstanceSpec, paths: InstancePaths): Promise<void> {
    const vm = this.#vms.get(spec.dir);
    if (!vm) return;
    const pidFileLeft = fs.existsSync(paths.pidFile);
    if (pidFileLeft && (await isAlive(vm.watch.pid))) return;
    if (this.#vms.get(spec.dir) !== vm) return;
    // QEMU removes its pid file when it exits cleanly: the guest powered off (or another engine quit it).
    this.#vms.gone(spec.dir, pidFileLeft ? `QEMU ended abruptly (killed or crashed); see ${paths.log}` : 'the guest powered off');
  }
}
