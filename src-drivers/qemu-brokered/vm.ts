// The configured driver: every method finds the VM from the instance folder (QMP sockets, pid
// file), never from memory, so a fresh process after a crash picks up where the last one was.
// QEMU itself is started by the engine's broker (DriverContext.engine.spawn): this process is
// sandboxed and could not start anything that outlives it.
import fs from 'node:fs/promises';
import type net from 'node:net';
import {
  DriverError, TransitionGuard, WatchedVms, checkMemory, checkSocketPaths, invalid, notRunning, pollUntil,
  powerDownThenEnd, readable, removeFiles, removeFolderIfEmpty, stillRunning,
} from '../sdk/index.ts';
import type { Driver, DriverContext, InspectResult, InstanceSpec, StartResult } from '../sdk/index.ts';
import { startRequest } from './argv.ts';
import { instanceFiles, runFiles } from './files.ts';
import { isAbsent, qmp, watchUntilGone } from './qmp.ts';

type Methods = Pick<Driver, 'validate' | 'create' | 'delete' | 'clone' | 'resizeDisk' | 'start' | 'stop' | 'pause' | 'resume' | 'inspect' | 'openConsole' | 'closeConsole'>;

/** QEMU's run state from QMP, or undefined when no QEMU listens (not running). */
async function runState(spec: InstanceSpec): Promise<string | undefined> {
  try {
    return ((await qmp(instanceFiles(spec).qmpSocket, 'query-status')) as { status: string }).status;
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

async function readPid(spec: InstanceSpec): Promise<number | undefined> {
  const text = await fs.readFile(instanceFiles(spec).pidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export class BrokeredVms implements Methods {
  readonly #context: DriverContext;
  readonly #transitions = new TransitionGuard();
  readonly #vms: WatchedVms<net.Socket | undefined>;

  constructor(context: DriverContext) {
    this.#context = context;
    this.#vms = new WatchedVms(context, (vm) => vm.watch?.destroy());
  }

  async validate(spec: InstanceSpec): Promise<void> {
    const { config } = spec;
    if (config.arch !== 'x86_64') throw invalid('arch', `this driver runs x86_64 guests only, not ${config.arch}`);
    if (!config.kernel) throw invalid('kernel', 'this driver boots a kernel directly: the template needs a kernel');
    checkMemory(config.memoryBytes);
    await readable('kernel', config.kernel.path, 'kernel');
    if (config.initrd) await readable('initrd', config.initrd.path, 'initrd');
    if (config.image) await readable('images', config.image.path, 'image');
    if (config.network?.sshLocalPort !== undefined) throw new DriverError('UNSUPPORTED', 'this driver forwards no ports (capability ssh): the guest has no network');
    if (config.mounts?.length) throw new DriverError('UNSUPPORTED', 'this driver shares no folders (capability mounts)');
    const files = instanceFiles(spec);
    checkSocketPaths([files.qmpSocket, files.watchSocket, files.serialSocket]);
  }

  async create(spec: InstanceSpec): Promise<void> {
    await fs.writeFile(instanceFiles(spec).marker, `${JSON.stringify({ driver: 'qemu-brokered' })}\n`);
  }

  async delete(spec: InstanceSpec): Promise<void> {
    if (await runState(spec)) throw stillRunning(spec, 'delete', `pid ${await readPid(spec)}`);
    const files = instanceFiles(spec);
    await removeFiles([files.marker, files.serialLog, files.qemuLog, ...runFiles(files)]);
    await removeFolderIfEmpty(spec.runtimeDir);
  }

  async clone(source: InstanceSpec, target: InstanceSpec): Promise<void> {
    await fs.copyFile(instanceFiles(source).marker, instanceFiles(target).marker);
  }

  /** The image is never written (snapshot=on), so there is no disk of ours to grow. */
  async resizeDisk(): Promise<void> {}

  start(spec: InstanceSpec): Promise<StartResult> {
    return this.#transitions.during(spec, 'Starting', async () => {
      if (await runState(spec)) throw new DriverError('INVALID_STATE', `${spec.name} is running already`, { instance: spec.name });
      const files = instanceFiles(spec);
      await removeFiles([...runFiles(files), files.serialLog]);
      await fs.mkdir(spec.runtimeDir, { recursive: true, mode: 0o700 });
      const { pid } = await this.#context.engine.spawn(startRequest(spec, files));
      // QEMU makes its sockets before it opens the disks: it runs once QMP answers.
      if (!(await runState(spec).catch(() => undefined))) {
        const log = (await fs.readFile(files.qemuLog, 'utf8').catch(() => '')).trim().slice(-600);
        await removeFiles(runFiles(files));
        throw new DriverError('VM_FAILED', `QEMU exited as it started${log ? `: ${log}` : ''}`, { instance: spec.name });
      }
      await this.#watch(spec);
      return { pid, accelerator: 'tcg' };
    });
  }

  stop(spec: InstanceSpec, options: { force: boolean; timeoutMs: number }): Promise<void> {
    return this.#transitions.during(spec, 'Stopping', async () => {
      if (!(await runState(spec))) throw notRunning(spec, 'stop');
      const files = instanceFiles(spec);
      const gone = async () => (await runState(spec).catch(() => 'unknown')) === undefined;
      this.#vms.silence(spec.dir);
      await powerDownThenEnd(spec, options, {
        powerDown: async (timeoutMs) => {
          await qmp(files.qmpSocket, 'system_powerdown');
          return (await pollUntil(gone, timeoutMs)) || `the guest did not power off within ${timeoutMs / 1000} s`;
        },
        end: async () => {
          await qmp(files.qmpSocket, 'quit').catch((error: unknown) => { if (!isAbsent(error)) throw error; });
          if (!(await pollUntil(gone, 10_000))) throw new DriverError('VM_FAILED', `QEMU of ${spec.name} did not quit`);
        },
        cleanUp: async () => undefined,
      }, this.#context);
      this.#vms.forget(spec.dir);
      await removeFiles(runFiles(files));
    });
  }

  async pause(spec: InstanceSpec): Promise<void> {
    if (!(await runState(spec))) throw notRunning(spec, 'pause');
    await qmp(instanceFiles(spec).qmpSocket, 'stop');
  }

  async resume(spec: InstanceSpec): Promise<void> {
    if (!(await runState(spec))) throw notRunning(spec, 'resume');
    await qmp(instanceFiles(spec).qmpSocket, 'cont');
  }

  async inspect(spec: InstanceSpec): Promise<InspectResult> {
    const transition = this.#transitions.of(spec);
    const status = await runState(spec);
    const pid = status ? await readPid(spec) : undefined;
    if (status) await this.#watch(spec);
    const state = transition ?? (status === undefined ? 'Stopped' : status === 'paused' ? 'Paused' : 'Running');
    return { state, ...(status ? { accelerator: 'tcg' } : {}), ...(pid !== undefined ? { pid } : {}) };
  }

  async openConsole(spec: InstanceSpec, streamId: string): Promise<void> {
    if (!(await runState(spec))) throw notRunning(spec, 'open the console of');
    const vm = await this.#watch(spec);
    const files = instanceFiles(spec);
    await this.#vms.console(vm, files.serialLog, files.serialSocket).attach(streamId);
  }

  async closeConsole(streamId: string): Promise<void> {
    this.#vms.detachConsole(streamId);
  }

  /** Looks after a running VM (once per process): its end, seen on the watch monitor, ends its consoles and is reported. */
  async #watch(spec: InstanceSpec) {
    const known = this.#vms.get(spec.dir);
    if (known) return known;
    const vm = this.#vms.add(spec.dir, spec, undefined);
    vm.watch = await watchUntilGone(instanceFiles(spec).watchSocket, () => this.#vms.gone(spec.dir, 'QEMU exited'));
    return vm;
  }
}
