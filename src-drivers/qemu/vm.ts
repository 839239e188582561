// The configured QEMU driver: every method of the contract, derived from live facts in the
// instance folder (pid file, QMP and serial sockets), so a fresh driver process picks up VMs
// started by an earlier one. It holds no connection to a VM between calls (other engines'
// driver processes share the VM's single-client sockets); its only in-memory state is the
// watch on VMs it has touched and which instances it is starting or stopping right now.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { DriverError, StatsStreams, TransitionGuard, exists, notRunning, powerDownThenEnd, removeFiles, removeFolderIfEmpty, stillRunning } from '../sdk/index.ts';
import type { DisplayInfo, Driver, DriverContext, DriverSettings, InspectResult, InstanceSpec, Snapshot, StartResult, StopOptions } from '../sdk/index.ts';
import { chooseAccelerator } from './accelerator.ts';
import { archProfile, heldUntilCont, qemuCommand, qmpMarker } from './argv.ts';
import { cloneDisk, createDisk, growDisk } from './disk.ts';
import { newVncPassword, pickLoopbackPorts, setVncPassword, vncDisplay } from './display.ts';
import { requireBinary } from './host.ts';
import { launchQemu } from './launch.ts';
import { ensurePrivateDir } from '../sdk/private-dir.ts';
import { endVirtiofsDaemons, startVirtiofsDaemons, virtiofsLogs } from './virtiofsd.ts';
import { instancePaths } from './paths.ts';
import type { InstancePaths } from './paths.ts';
import { isAlive, liveQemuPid, readPidFile, sendSignal, waitForExit } from './process.ts';
import { runState, transition, withQmp } from './monitor.ts';
import type { QmpClient } from './qmp.ts';
import { applySnapshot, createSnapshot, deleteSnapshot, listSnapshots } from './snapshots.ts';
import type { SnapshotTarget } from './snapshots.ts';
import { stateFromRunState } from './status.ts';
import { QemuWatch } from './watch.ts';
import { qemuSampler } from './stats.ts';
import { validateSpec } from './validate.ts';

/** After `quit` or a signal, how long QEMU may take to go. */
const END_TIMEOUT_MS = 5_000;

export class QemuDriver implements Driver {
  readonly #settings: DriverSettings;
  readonly #context: DriverContext;
  readonly #vms: QemuWatch;
  readonly #transitions = new TransitionGuard();
  readonly #stats: StatsStreams;

  constructor(settings: DriverSettings, context: DriverContext) {
    this.#settings = settings;
    this.#context = context;
    this.#vms = new QemuWatch(context);
    // A sample fails when QEMU has gone: the stream has ended, which is all the engine needs to hear.
    this.#stats = new StatsStreams(context.streams);
  }

  // --- Creation ---------------------------------------------------------------------------

  async validate(spec: InstanceSpec): Promise<void> {
    await validateSpec(spec);
  }

  async create(spec: InstanceSpec): Promise<void> {
    const qemuImg = await requireBinary('qemu-img');
    await mkdir(spec.dir, { recursive: true });
    await createDisk(qemuImg, spec, instancePaths(spec));
  }

  async delete(spec: InstanceSpec): Promise<void> {
    const paths = instancePaths(spec);
    const pid = await this.#livePid(paths);
    if (pid !== undefined) throw stillRunning(spec, 'delete', `pid ${pid}`);
    // Exactly the files this driver makes: the folder and anything else in it belong to the engine.
    const files = [paths.disk, `${paths.disk}.tmp`, paths.pidFile, paths.log, paths.serialLog, paths.previousSerialLog, paths.accelFile, paths.vncPasswordFile, `${paths.vncPasswordFile}.tmp`, paths.qmpSocket, paths.serialSocket];
    await endVirtiofsDaemons(paths);
    await removeFiles([...files, ...(await virtiofsLogs(paths))]);
    await removeFolderIfEmpty(paths.runtimeDir);
  }

  async clone(source: InstanceSpec, target: InstanceSpec): Promise<void> {
    await this.#stopped(source, 'clone');
    const from = instancePaths(source);
    await mkdir(target.dir, { recursive: true });
    // No disk yet (its image is still to be downloaded): the clone gets its own at its first start, as the source would.
    if (!(await exists(from.disk))) return;
    await cloneDisk(from, instancePaths(target));
  }

  async resizeDisk(spec: InstanceSpec): Promise<void> {
    await this.#stopped(spec, 'resize the disk of');
    const paths = instancePaths(spec);
    // No disk yet (its image is still to be downloaded): create() makes it at the new size.
    if (!(await exists(paths.disk))) return;
    await growDisk(await requireBinary('qemu-img'), paths, spec.config.diskBytes);
  }

  // --- Lifecycle --------------------------------------------------------------------------

  async start(spec: InstanceSpec): Promise<StartResult> {
    return this.#transitions.during(spec, 'Starting', () => this.#start(spec));
  }

  async #start(spec: InstanceSpec): Promise<StartResult> {
    const paths = instancePaths(spec);
    let pid: number | undefined;
    try {
      const running = await this.#livePid(paths);
      if (running !== undefined) throw new DriverError('INVALID_STATE', `${spec.name} is already running (pid ${running})`, { instance: spec.name });
      await validateSpec(spec);
      if (!(await exists(paths.disk))) {
        throw new DriverError('INVALID_STATE', `${spec.name} has no disk (${paths.disk}): create it before starting`, { instance: spec.name });
      }
      const binary = await requireBinary(archProfile(spec.config.arch).binary);
      const choice = await chooseAccelerator({ binary, spec, cacheDir: this.#settings.cacheDir });
      const [vncPort, websocketPort] = spec.config.display === 'vnc' ? await pickLoopbackPorts(2) : [];
      const vnc = vncPort !== undefined && websocketPort !== undefined ? { port: vncPort, websocketPort } : undefined;
      const command = qemuCommand(spec, paths, { accelerator: choice.accelerator, ...(vnc ? { vnc } : {}) });
      // qemu.log is QEMU's own (it truncates it): the command line goes to the engine's log instead.
      this.#context.emit({ type: 'log', level: 'info', message: `${spec.name}: starting ${binary} ${command.args.join(' ')}` });
      // One log per boot: a console shows this boot, and the file never grows without bound.
      await rename(paths.serialLog, paths.previousSerialLog).catch(() => undefined);
      // virtiofs folders: their daemons first, QEMU connects to them as it starts.
      await ensurePrivateDir(paths.runtimeDir);
      await startVirtiofsDaemons(spec, paths);
      await launchQemu(binary, command, paths).catch(async (error: unknown) => {
        await endVirtiofsDaemons(paths);
        throw error;
      });
      // Recorded once QEMU runs: a start that fails leaves no record of a run that never was.
      [, pid] = await Promise.all([writeFile(paths.accelFile, `${choice.accelerator}\n`), readPidFile(paths.pidFile)]);
      if (pid === undefined) throw new DriverError('VM_FAILED', `QEMU started but wrote no pid file at ${paths.pidFile}`);
      // A new password for every run, in place before the guest runs (VNC refuses everyone until then).
      const password = vnc ? await newVncPassword(paths) : undefined;
      // With a display QEMU holds the guest (-S) until the password is set; without one it already runs.
      const state = await withQmp(paths, async (qmp) => {
        if (password) await setVncPassword(qmp, password);
        if (heldUntilCont(spec)) await qmp.execute('cont');
        return runState(qmp);
      });
      if (state !== 'running') throw new DriverError('VM_FAILED', `QEMU did not run the guest (state "${state}"); see ${paths.log}`);
      this.#vms.watch(spec, paths, pid);
      return { pid, accelerator: choice.accelerator, ...(choice.note ? { acceleratorNote: choice.note } : {}) };
    } catch (error) {
      // Leave no half-started VM behind (and report the start failure, not a cleanup one).
      if (pid !== undefined) {
        await this.#end(spec, paths, pid).catch((cleanup: unknown) => {
          this.#context.emit({ type: 'log', level: 'error', message: `${spec.name}: could not end the half-started VM: ${String(cleanup)}` });
        });
      }
      throw error;
    }
  }

  async stop(spec: InstanceSpec, options: StopOptions): Promise<void> {
    await this.#transitions.during(spec, 'Stopping', async () => {
      const paths = instancePaths(spec);
      const pid = await this.#livePid(paths);
      if (pid === undefined) throw notRunning(spec, 'stop');
      this.#vms.silence(spec);
      await powerDownThenEnd(spec, options, {
        powerDown: (timeoutMs) => this.#powerDown(paths, pid, timeoutMs),
        end: () => this.#end(spec, paths, pid),
        cleanUp: () => this.#cleanUp(spec, paths),
      }, this.#context);
    });
  }

  async pause(spec: InstanceSpec): Promise<void> {
    await this.#running(spec, 'pause');
    await transition(instancePaths(spec), spec.name, 'stop', 'running', 'pause');
  }

  async resume(spec: InstanceSpec): Promise<void> {
    await this.#running(spec, 'resume');
    await transition(instancePaths(spec), spec.name, 'cont', 'paused', 'resume');
  }

  async inspect(spec: InstanceSpec): Promise<InspectResult> {
    const paths = instancePaths(spec);
    const pid = await this.#livePid(paths);
    const transition = this.#transitions.of(spec);
    if (pid === undefined) return { state: transition === 'Starting' ? 'Starting' : 'Stopped' };
    if (transition === 'Stopping') return { state: 'Stopping', pid };
    const accelerator = (await readFile(paths.accelFile, 'utf8').catch(() => '')).trim();
    const base = { pid, ...(accelerator ? { accelerator } : {}) };
    let state: string;
    try {
      state = await withQmp(paths, runState);
    } catch (error) {
      if (!(await isAlive(pid))) return { state: 'Stopped' }; // it exited while we asked
      if (transition === 'Starting') return { state: 'Starting', ...base };
      const why = error instanceof Error ? error.message : String(error);
      return { state: 'Broken', reason: `QEMU (pid ${pid}) runs but its QMP monitor does not answer: ${why}. Stop it with force.`, ...base };
    }
    this.#vms.watch(spec, paths, pid);
    return { ...stateFromRunState(state, paths.log, transition === 'Starting'), ...base };
  }

  // --- Console ----------------------------------------------------------------------------

  async openConsole(spec: InstanceSpec, streamId: string): Promise<void> {
    const pid = await this.#running(spec, 'open the console of');
    await this.#vms.console(spec, instancePaths(spec), pid).attach(streamId);
  }

  async closeConsole(streamId: string): Promise<void> {
    this.#vms.detachConsole(streamId);
  }

  // --- Display and snapshots -----------------------------------------------------------------

  async display(spec: InstanceSpec): Promise<DisplayInfo | null> {
    await this.#running(spec, 'show the display of');
    if (spec.config.display !== 'vnc') return null;
    return vncDisplay(instancePaths(spec), spec.name);
  }

  async listSnapshots(spec: InstanceSpec): Promise<Snapshot[]> {
    const target = await this.#snapshotTarget(spec);
    try {
      return await listSnapshots(target);
    } catch (error) {
      // QEMU ended while it was asked (a stop racing the page's refresh): once it is gone, the
      // disk holds the same list. An error from a QEMU that lives on is the answer.
      if (!target.running) throw error;
      const pid = await this.#livePid(target.paths);
      const gone = pid === undefined || (this.#transitions.of(spec) === 'Stopping' && (await waitForExit(pid, 10_000)));
      if (!gone) throw error;
      return listSnapshots({ ...target, running: false });
    }
  }

  async createSnapshot(spec: InstanceSpec, tag: string): Promise<void> {
    await createSnapshot(await this.#snapshotTarget(spec), tag);
  }

  async applySnapshot(spec: InstanceSpec, tag: string): Promise<void> {
    await applySnapshot(await this.#snapshotTarget(spec), tag);
  }

  async deleteSnapshot(spec: InstanceSpec, tag: string): Promise<void> {
    await deleteSnapshot(await this.#snapshotTarget(spec), tag);
  }

  // --- Live figures -----------------------------------------------------------------------

  async openStats(spec: InstanceSpec, streamId: string): Promise<void> {
    const pid = await this.#running(spec, 'watch the figures of');
    const paths = instancePaths(spec);
    this.#stats.open(spec.dir, streamId, () => qemuSampler(paths, pid));
  }

  async closeStats(streamId: string): Promise<void> {
    this.#stats.close(streamId);
  }

  /** Lets go of every VM connection (the VMs keep running). Not part of the contract: for tests and shutdown. */
  async detachAll(): Promise<void> {
    this.#vms.closeAll();
    this.#stats.endAll();
  }

  // --- Helpers ----------------------------------------------------------------------------

  #livePid(paths: InstancePaths): Promise<number | undefined> {
    return liveQemuPid(paths.pidFile, qmpMarker(paths));
  }

  /** Where a snapshot call goes: QEMU's monitor while the VM runs (or is paused), qemu-img on the disk otherwise. */
  async #snapshotTarget(spec: InstanceSpec): Promise<SnapshotTarget> {
    const paths = instancePaths(spec);
    if (!(await exists(paths.disk))) {
      throw new DriverError('INVALID_STATE', `${spec.name} has no disk yet (${paths.disk}): start it once first`, { instance: spec.name });
    }
    const running = (await this.#livePid(paths)) !== undefined;
    return { instance: spec.name, paths, running, qemuImg: await requireBinary('qemu-img') };
  }

  /** INVALID_STATE unless the VM is stopped: its disk must not change under a running QEMU. */
  async #stopped(spec: InstanceSpec, what: string): Promise<void> {
    const pid = await this.#livePid(instancePaths(spec));
    if (pid !== undefined) throw stillRunning(spec, what, `pid ${pid}`);
  }

  /** The pid of the running VM, or INVALID_STATE naming what could not be done. */
  async #running(spec: InstanceSpec, what: string): Promise<number> {
    const pid = await this.#livePid(instancePaths(spec));
    if (pid === undefined) throw notRunning(spec, what);
    return pid;
  }

  /** ACPI power button, then wait for QEMU to exit: true when it did within `timeoutMs`, else why not. */
  async #powerDown(paths: InstancePaths, pid: number, timeoutMs: number): Promise<true | string> {
    const refused = await withQmp(paths, async (qmp: QmpClient) => {
      let state = await runState(qmp);
      // A paused guest cannot see the power button.
      if (state === 'paused') {
        await qmp.execute('cont');
        state = await runState(qmp);
      }
      if (state !== 'running') return `the guest is not running (${state}), so it cannot power off by itself`;
      await qmp.execute('system_powerdown');
      return undefined;
    });
    if (refused) return refused;
    if (await waitForExit(pid, timeoutMs)) return true;
    return `the guest did not power off within ${timeoutMs} ms`;
  }

  /** Ends QEMU now: QMP quit (SIGTERM if QMP does not answer), then SIGKILL; VM_FAILED if the process survives. */
  async #end(spec: InstanceSpec, paths: InstancePaths, pid: number): Promise<void> {
    this.#vms.silence(spec);
    const quit = await withQmp(paths, (qmp) => qmp.execute('quit')).then(() => true, () => false);
    if (!quit) sendSignal(pid, 'SIGTERM'); // QEMU treats it like quit
    if (!(await waitForExit(pid, END_TIMEOUT_MS))) {
      sendSignal(pid, 'SIGKILL');
      if (!(await waitForExit(pid, END_TIMEOUT_MS))) {
        throw new DriverError('VM_FAILED', `QEMU (pid ${pid}) of ${spec.name} survived SIGKILL; it may be stuck in the kernel (check the host)`, { instance: spec.name, pid });
      }
    }
    await this.#cleanUp(spec, paths);
  }

  /** What a killed QEMU leaves behind (after a clean exit QEMU has removed these itself). */
  async #cleanUp(spec: InstanceSpec, paths: InstancePaths): Promise<void> {
    this.#vms.ended(spec);
    this.#stats.end(spec.dir);
    await endVirtiofsDaemons(paths);
    await removeFiles([paths.pidFile, paths.qmpSocket, paths.serialSocket]);
  }
}
