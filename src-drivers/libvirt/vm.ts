// The configured libvirt driver: every method of the contract, derived from live facts (the
// domain's state as libvirt reports it, the files in the instance folder), so a fresh driver
// process picks up VMs started by an earlier one. The domain is persistent (defined), so it
// keeps its snapshots while stopped; it is redefined from the spec before every start (the
// instance may have been edited, renamed or moved since), and undefined by delete().
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { DriverError, TransitionGuard, exists, notRunning, pollUntil, powerDownThenEnd, removeFiles, removeFolderIfEmpty, stillRunning } from '../sdk/index.ts';
import type { DisplayInfo, Driver, DriverContext, InspectResult, InstanceSpec, Snapshot, StartResult, StopOptions } from '../sdk/index.ts';
import { acceleratorOf, domainXml, ensureIdentity, forgetIdentity, readIdentity } from './domain.ts';
import type { DomainIdentity, DomainType, Owner } from './domain.ts';
import { instancePaths } from './paths.ts';
import type { InstancePaths } from './paths.ts';
import { applySnapshot, createSnapshot, deleteSnapshot, listSnapshots } from './snapshots.ts';
import type { SnapshotTarget } from './snapshots.ts';
import { checkDisk, createDisk, growDisk, poolName } from './storage.ts';
import { isActive, mapDomainState, parseDomstate } from './state.ts';
import type { DomainState } from './state.ts';
import { validateSpec } from './validate.ts';
import { DOCUMENT } from './virsh.ts';
import type { Virsh } from './virsh.ts';
import { DomainWatch } from './watch.ts';
import { RemoteConsole } from './remote/console.ts';
import { cloneRemoteFiles, createRemoteFiles, deleteRemoteFiles, growRemoteDisk, readRemoteFiles } from './remote/instance-files.ts';
import type { RemoteFiles } from './remote/instance-files.ts';
import { sshInvocation } from './remote/ssh.ts';
import { LoopbackTunnel } from './remote/tunnel.ts';
import { child, parseXml } from './xml.ts';

/** VNC authentication (DES) uses the first 8 bytes of a password and ignores the rest. */
const VNC_PASSWORD_LENGTH = 8;

export interface LibvirtSettings {
  virsh: Virsh;
  type: DomainType;
  owner: Owner;
  /** Whether libvirt runs on this host (its files, the pid file, are ours to read). */
  local: boolean;
}

export class LibvirtDriver implements Driver {
  readonly #settings: LibvirtSettings;
  readonly #virsh: Virsh;
  readonly #context: DriverContext;
  readonly #vms: DomainWatch;
  readonly #transitions = new TransitionGuard();
  /** Remote host only: a console per domain (by name) and display tunnels per domain. */
  readonly #remoteConsoles = new Map<string, RemoteConsole>();
  readonly #tunnels = new Map<string, LoopbackTunnel[]>();

  constructor(settings: LibvirtSettings, context: DriverContext) {
    this.#settings = settings;
    this.#virsh = settings.virsh;
    this.#context = context;
    this.#vms = new DomainWatch(context, settings.virsh);
  }

  // --- Creation ---------------------------------------------------------------------------

  async validate(spec: InstanceSpec): Promise<void> {
    await validateSpec(spec, { virsh: this.#virsh, type: this.#settings.type, localFiles: this.#settings.local });
  }

  async create(spec: InstanceSpec): Promise<void> {
    const paths = instancePaths(spec);
    await mkdir(spec.dir, { recursive: true });
    // The domain itself is defined at the first start, once the folder is in its final place.
    const identity = await ensureIdentity(spec, paths);
    // A remote host sees none of our files: they go over as volumes of its own.
    if (!this.#settings.local) await createRemoteFiles(this.#virsh, spec, identity.uuid, this.#context);
    else await createDisk(this.#virsh, spec, paths, this.#settings.owner);
  }

  async delete(spec: InstanceSpec): Promise<void> {
    const paths = instancePaths(spec);
    const identity = await readIdentity(spec, paths);
    if (identity) {
      const state = await this.#state(identity);
      if (state && isActive(state)) throw stillRunning(spec, 'delete', state.state);
      // The domain and its snapshots' metadata; the disk (and the snapshots in it) go below.
      if (state) await this.#virsh.runOrMissing(['undefine', identity.uuid, '--snapshots-metadata', '--managed-save']);
      this.#ended(identity);
      if (!this.#settings.local) await deleteRemoteFiles(this.#virsh, spec.dir, identity.uuid);
    }
    // A transient pool a killed create() may have left over the folder.
    await this.#virsh.runOrMissing(['pool-destroy', poolName(spec.dir)]).catch(() => undefined);
    // Exactly the files this driver makes: the folder and anything else in it belong to the engine.
    const files = [paths.disk, paths.serialLog, paths.previousSerialLog, paths.serialSocket];
    await removeFiles(files);
    await forgetIdentity(paths);
    await removeFolderIfEmpty(paths.runtimeDir);
  }

  async clone(source: InstanceSpec, target: InstanceSpec): Promise<void> {
    await this.#stopped(source, 'clone');
    const from = instancePaths(source);
    const to = instancePaths(target);
    await mkdir(target.dir, { recursive: true });
    if (!this.#settings.local) {
      const sourceIdentity = await readIdentity(source, from);
      // No disk over there yet: the clone gets its own when it is created, as the source would.
      if (!sourceIdentity || !(await readRemoteFiles(source.dir))) return;
      const identity = await ensureIdentity(target, to);
      await cloneRemoteFiles(this.#virsh, sourceIdentity.uuid, target, identity.uuid, this.#context);
      return;
    }
    // No disk yet (its image is still to be downloaded): the clone gets its own at its first start, as the source would.
    if (!(await exists(from.disk))) return;
    // The whole overlay (a reflink where the file system can): the source's data, its internal
    // snapshots and the same read-only base image. The clone is a new domain; libvirt knows
    // none of the copied snapshots (their metadata stays with the source's domain).
    const temp = `${to.disk}.tmp`;
    try {
      await copyFile(from.disk, temp, constants.COPYFILE_FICLONE);
      await rename(temp, to.disk);
    } finally {
      await rm(temp, { force: true });
    }
  }

  async resizeDisk(spec: InstanceSpec): Promise<void> {
    await this.#stopped(spec, 'resize the disk of');
    const paths = instancePaths(spec);
    if (!this.#settings.local) {
      const identity = await readIdentity(spec, paths);
      if (identity && await readRemoteFiles(spec.dir)) await growRemoteDisk(this.#virsh, identity.uuid, spec.config.diskBytes);
      return;
    }
    // No disk yet (its image is still to be downloaded): create() makes it at the new size.
    if (!(await exists(paths.disk))) return;
    await growDisk(this.#virsh, paths, spec.config.diskBytes);
  }

  // --- Lifecycle --------------------------------------------------------------------------

  async start(spec: InstanceSpec): Promise<StartResult> {
    return this.#transitions.during(spec, 'Starting', () => this.#start(spec));
  }

  async #start(spec: InstanceSpec): Promise<StartResult> {
    const { paths, hasDisk } = await this.#files(spec);
    let started: DomainIdentity | undefined;
    try {
      await this.validate(spec);
      if (!hasDisk) {
        throw new DriverError('INVALID_STATE', `${spec.name} has no disk (${paths.disk}): create it before starting`, { instance: spec.name });
      }
      if (this.#settings.local) await checkDisk(spec, paths);
      const identity = await ensureIdentity(spec, paths);
      const state = await this.#state(identity);
      if (state && isActive(state)) throw new DriverError('INVALID_STATE', `${spec.name} is already running (${state.state})`, { instance: spec.name });
      await this.#define(spec, paths, identity);
      // One log per boot: a console shows this boot, and the file never grows without bound.
      // Made here, so it is the user's file (virtlogd would make it root's, mode 0600).
      if (this.#settings.local) {
        await rename(paths.serialLog, paths.previousSerialLog).catch(() => undefined);
        await writeFile(paths.serialLog, '', { mode: 0o600 });
      }
      await mkdir(paths.runtimeDir, { recursive: true });
      await rm(paths.serialSocket, { force: true });
      this.#context.emit({ type: 'log', level: 'info', message: `${spec.name}: starting libvirt domain ${identity.name} (${this.#virsh.uri})` });
      started = identity;
      await this.#virsh.run(['start', identity.uuid]);
      const now = await this.#state(identity);
      if (!now || !isActive(now)) throw new DriverError('VM_FAILED', `libvirt started ${identity.name}, but it is ${now?.state ?? 'gone'} now; see libvirt's log for the domain (/var/log/libvirt/qemu/${identity.name}.log on the libvirt host)`);
      this.#vms.watch(spec, identity, paths);
      const pid = await this.#pid(identity);
      return { ...(pid !== undefined ? { pid } : {}), accelerator: acceleratorOf(this.#settings.type) };
    } catch (error) {
      // Leave no half-started VM behind (and report the start failure, not a cleanup one).
      if (started) {
        const identity = started;
        await this.#virsh.runOrMissing(['destroy', identity.uuid]).catch(() => undefined);
      }
      throw error;
    }
  }

  async stop(spec: InstanceSpec, options: StopOptions): Promise<void> {
    await this.#transitions.during(spec, 'Stopping', async () => {
      const paths = instancePaths(spec);
      const identity = await readIdentity(spec, paths);
      const state = identity && await this.#state(identity);
      if (!identity || !state || !isActive(state)) throw notRunning(spec, 'stop');
      this.#vms.watch(spec, identity, paths);
      this.#vms.silence(identity);
      await powerDownThenEnd(spec, options, {
        powerDown: (timeoutMs) => this.#powerDown(identity, state, timeoutMs),
        end: async () => {
          // libvirt ends QEMU (SIGTERM, then SIGKILL) and returns once it is gone.
          await this.#virsh.runOrMissing(['destroy', identity.uuid]).catch(async (error: unknown) => {
            const after = await this.#state(identity);
            if (after && isActive(after)) throw error; // not merely "it went by itself meanwhile"
          });
          await this.#cleanUp(identity, paths);
        },
        cleanUp: () => this.#cleanUp(identity, paths),
      }, this.#context);
    });
  }

  async pause(spec: InstanceSpec): Promise<void> {
    const { identity, state } = await this.#running(spec, 'pause');
    if (state.state !== 'running') throw new DriverError('INVALID_STATE', `cannot pause ${spec.name}: it is ${state.state}, not running`, { instance: spec.name });
    await this.#virsh.run(['suspend', identity.uuid]);
  }

  async resume(spec: InstanceSpec): Promise<void> {
    const { identity, state } = await this.#running(spec, 'resume');
    if (state.state !== 'paused') throw new DriverError('INVALID_STATE', `cannot resume ${spec.name}: it is ${state.state}, not paused`, { instance: spec.name });
    await this.#virsh.run(['resume', identity.uuid]);
  }

  async inspect(spec: InstanceSpec): Promise<InspectResult> {
    const paths = instancePaths(spec);
    const transition = this.#transitions.of(spec);
    const identity = await readIdentity(spec, paths);
    const state = identity && await this.#state(identity);
    if (!identity || !state || !isActive(state)) {
      if (transition === 'Starting') return { state: 'Starting' };
      // A guest that crashed or QEMU that failed is Stopped as far as libvirt goes; say why.
      const log = `see libvirt's log for the domain (/var/log/libvirt/qemu/${identity?.name ?? ''}.log on the libvirt host)`;
      if (state?.reason === 'failed') return { state: 'Stopped', reason: `its last start failed; ${log}` };
      if (state?.reason === 'crashed') return { state: 'Stopped', reason: `the guest crashed; ${log}` };
      return { state: 'Stopped' };
    }
    const pid = await this.#pid(identity);
    const base = { ...(pid !== undefined ? { pid } : {}), accelerator: acceleratorOf(this.#settings.type) };
    if (transition === 'Stopping') return { state: 'Stopping', ...base };
    this.#vms.watch(spec, identity, paths);
    return { ...mapDomainState(state, transition === 'Starting'), ...base };
  }

  // --- Console ----------------------------------------------------------------------------

  async openConsole(spec: InstanceSpec, streamId: string): Promise<void> {
    const { identity } = await this.#running(spec, 'open the console of');
    const paths = instancePaths(spec);
    if (!this.#settings.local) {
      this.#vms.watch(spec, identity, paths);
      let console = this.#remoteConsoles.get(identity.name);
      if (!console || console.isClosed) {
        console = new RemoteConsole(this.#virsh.uri, identity.uuid, this.#context.streams, (message) => this.#context.emit({ type: 'log', level: 'warn', message: `${spec.name}: ${message}` }));
        this.#remoteConsoles.set(identity.name, console);
      }
      await console.attach(streamId);
      return;
    }
    await this.#vms.console(spec, identity, paths).attach(streamId);
  }

  async closeConsole(streamId: string): Promise<void> {
    for (const console of this.#remoteConsoles.values()) if (console.detach(streamId)) return;
    this.#vms.detachConsole(streamId);
  }

  // --- Display and snapshots -----------------------------------------------------------------

  async display(spec: InstanceSpec): Promise<DisplayInfo | null> {
    const { identity } = await this.#running(spec, 'show the display of');
    if (spec.config.display !== 'vnc') return null;
    // The live XML: the ports libvirt picked for this run and the password QEMU has (after a
    // revert, the one recorded with the snapshot).
    const xml = parseXml(await this.#virsh.run(['dumpxml', identity.uuid, '--security-info']));
    const graphics = child(xml, 'devices', 'graphics');
    const port = Number(graphics?.attributes.port);
    const password = graphics?.attributes.passwd;
    if (graphics?.attributes.type !== 'vnc' || !Number.isInteger(port) || port <= 0 || !password) {
      throw new DriverError('VM_FAILED', `${spec.name} was started with a display, but libvirt reports no VNC listener with a password for it; restart it`, { instance: spec.name });
    }
    const websocket = Number(graphics.attributes.websocket);
    const hasWebsocket = Number.isInteger(websocket) && websocket > 0;
    if (!this.#settings.local) {
      // The display listens on the remote host's loopback: carried to this host's loopback over ssh.
      const [vnc, ws] = await this.#tunnelsTo(spec, identity, hasWebsocket ? [port, websocket] : [port]);
      return { kind: 'vnc', host: '127.0.0.1', port: vnc?.port ?? 0, ...(ws ? { websocketPort: ws.port } : {}), password };
    }
    return {
      kind: 'vnc',
      host: graphics.attributes.listen ?? '127.0.0.1',
      port,
      ...(hasWebsocket ? { websocketPort: websocket } : {}),
      password,
    };
  }

  async listSnapshots(spec: InstanceSpec): Promise<Snapshot[]> {
    const paths = instancePaths(spec);
    const identity = await readIdentity(spec, paths);
    // Never started and never snapshotted: libvirt has no domain for it yet.
    if (!identity || !(await this.#state(identity))) return [];
    return listSnapshots({ virsh: this.#virsh, instance: spec.name, identity, paths, active: false });
  }

  async createSnapshot(spec: InstanceSpec, tag: string): Promise<void> {
    await createSnapshot(await this.#snapshotTarget(spec), tag);
  }

  async applySnapshot(spec: InstanceSpec, tag: string): Promise<void> {
    const target = await this.#snapshotTarget(spec);
    const paused = target.active && (await this.#state(target.identity))?.state === 'paused';
    await applySnapshot(target, tag, paused);
  }

  async deleteSnapshot(spec: InstanceSpec, tag: string): Promise<void> {
    await deleteSnapshot(await this.#snapshotTarget(spec), tag);
  }

  // --- Live figures: not offered yet (capabilities.stats is false) -------------------------

  async openStats(): Promise<void> {
    throw new DriverError('UNSUPPORTED', 'the libvirt driver does not offer live figures yet (capabilities.stats is false)', { capability: 'stats' });
  }

  async closeStats(): Promise<void> {
    // Nothing was opened: closing is not an error (the contract).
  }

  /** Lets go of every VM watch and console (the VMs keep running). Not part of the contract: for tests and shutdown. */
  async detachAll(): Promise<void> {
    this.#vms.closeAll();
    for (const console of this.#remoteConsoles.values()) console.close();
    this.#remoteConsoles.clear();
    for (const tunnels of this.#tunnels.values()) for (const tunnel of tunnels) tunnel.close();
    this.#tunnels.clear();
  }

  // --- Helpers ----------------------------------------------------------------------------

  /** The instance's paths (the disk's on the remote host there) and whether its disk exists. */
  async #files(spec: InstanceSpec): Promise<{ paths: InstancePaths; hasDisk: boolean; remote?: RemoteFiles }> {
    const paths = instancePaths(spec);
    if (this.#settings.local) return { paths, hasDisk: await exists(paths.disk) };
    const remote = await readRemoteFiles(spec.dir);
    return remote ? { paths: { ...paths, disk: remote.disk }, hasDisk: true, remote } : { paths, hasDisk: false };
  }

  /** Loopback tunnels to the remote ports (reused while the ports stay the same). */
  async #tunnelsTo(spec: InstanceSpec, identity: DomainIdentity, ports: number[]): Promise<LoopbackTunnel[]> {
    const current = this.#tunnels.get(identity.name);
    if (current && current.map((t) => t.remotePort).join() === ports.join()) return current;
    for (const tunnel of current ?? []) tunnel.close();
    const ssh = sshInvocation(this.#virsh.uri);
    if (!ssh) throw new DriverError('UNSUPPORTED', `the display of a VM on ${this.#virsh.uri} is reachable only over ssh (a qemu+ssh:// URI); this transport has no tunnel`, { instance: spec.name });
    const onProblem = (message: string) => this.#context.emit({ type: 'log', level: 'warn', message: `${spec.name}: ${message}` });
    const tunnels = await Promise.all(ports.map((port) => LoopbackTunnel.open(ssh, port, onProblem)));
    this.#tunnels.set(identity.name, tunnels);
    return tunnels;
  }

  /** The VM is gone (or deleted): its watch, remote console and tunnels end. */
  #ended(identity: DomainIdentity): void {
    this.#vms.ended(identity);
    this.#remoteConsoles.get(identity.name)?.close();
    this.#remoteConsoles.delete(identity.name);
    for (const tunnel of this.#tunnels.get(identity.name) ?? []) tunnel.close();
    this.#tunnels.delete(identity.name);
  }

  /** The domain's state, or undefined when libvirt has no such domain. */
  async #state(identity: DomainIdentity): Promise<DomainState | undefined> {
    const output = await this.#virsh.runOrMissing(['domstate', '--reason', identity.uuid]);
    return output === undefined ? undefined : parseDomstate(output);
  }

  /**
   * QEMU's pid, from libvirt's pid file where this process may read it (libvirt on this host,
   * not sandboxed away from /run/libvirt); libvirt's API does not tell it. Undefined otherwise.
   */
  async #pid(identity: DomainIdentity): Promise<number | undefined> {
    if (!this.#settings.local) return undefined;
    try {
      const pid = Number((await readFile(`/run/libvirt/qemu/${identity.name}.pid`, 'utf8')).trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** (Re)defines the domain from the spec: paths, sizes and a fresh VNC password are current at every start. */
  async #define(spec: InstanceSpec, paths: InstancePaths, identity: DomainIdentity): Promise<void> {
    // The instance was renamed: the domain (found by its UUID) takes the new name first.
    const currentName = (await this.#virsh.runOrMissing(['domname', identity.uuid]))?.trim();
    if (currentName && currentName !== identity.name) await this.#virsh.run(['domrename', currentName, identity.name]);
    const vncPassword = spec.config.display === 'vnc' ? randomBytes(VNC_PASSWORD_LENGTH).toString('base64url').slice(0, VNC_PASSWORD_LENGTH) : undefined;
    const remote = this.#settings.local ? undefined : await readRemoteFiles(spec.dir);
    const where = remote ? { ...paths, disk: remote.disk } : paths;
    const xml = domainXml(spec, where, { identity, type: this.#settings.type, owner: this.#settings.owner, ...(vncPassword ? { vncPassword } : {}), ...(remote ? { remote } : {}) });
    await this.#virsh.run(['define', DOCUMENT, '--validate'], { document: xml });
  }

  /** Where a snapshot call goes: the instance's domain, defined from the spec first when it is not running. */
  async #snapshotTarget(spec: InstanceSpec): Promise<SnapshotTarget> {
    const { paths, hasDisk } = await this.#files(spec);
    if (!hasDisk) {
      throw new DriverError('INVALID_STATE', `${spec.name} has no disk yet (${paths.disk}): start it once first`, { instance: spec.name });
    }
    const identity = await ensureIdentity(spec, paths);
    const state = await this.#state(identity);
    const active = state !== undefined && isActive(state);
    // A stopped domain gets the instance's current definition, so a disk-only snapshot records today's paths.
    if (!active) await this.#define(spec, paths, identity);
    return { virsh: this.#virsh, instance: spec.name, identity, paths, active };
  }

  /** INVALID_STATE unless the VM is stopped: its disk must not change under a running QEMU. */
  async #stopped(spec: InstanceSpec, what: string): Promise<void> {
    const identity = await readIdentity(spec, instancePaths(spec));
    const state = identity && await this.#state(identity);
    if (state && isActive(state)) throw stillRunning(spec, what, state.state);
  }

  /** The identity and state of a running (or paused) VM, or INVALID_STATE naming what could not be done. */
  async #running(spec: InstanceSpec, what: string): Promise<{ identity: DomainIdentity; state: DomainState }> {
    const identity = await readIdentity(spec, instancePaths(spec));
    const state = identity && await this.#state(identity);
    if (!identity || !state || !isActive(state)) throw notRunning(spec, what);
    return { identity, state };
  }

  /** ACPI power button, then wait for the domain to shut off: true when it did within `timeoutMs`, else why not. */
  async #powerDown(identity: DomainIdentity, state: DomainState, timeoutMs: number): Promise<true | string> {
    // A paused guest cannot see the power button.
    if (state.state === 'paused') await this.#virsh.run(['resume', identity.uuid]);
    // The power button (QEMU's system_powerdown): ACPI on x86, a GPIO key on the virt machines.
    await this.#virsh.run(['shutdown', identity.uuid]);
    const off = await pollUntil(async () => {
      const now = await this.#state(identity);
      return !now || !isActive(now);
    }, timeoutMs);
    return off || `the guest did not power off within ${timeoutMs} ms`;
  }

  /** After the VM has gone: consoles end, the watch stops, the socket QEMU bound goes. */
  async #cleanUp(identity: DomainIdentity, paths: InstancePaths): Promise<void> {
    this.#ended(identity);
    await rm(paths.serialSocket, { force: true });
  }
}
