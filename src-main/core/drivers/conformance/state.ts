// What the checks share: the driver under test (a bare probe process for the handshake, then
// the engine's DriverHost), the instance they run it on, and what earlier checks learned (the
// handshake, the files create() made, start()'s result). One check reads and adds to it; the
// runner decides from the results whether a check runs at all.
import path from 'node:path';
import { declares } from '../../../../src-drivers/sdk/protocol.ts';
import type { Capabilities, Handshake, InspectResult, InstanceSpec, DriverEvent, DriverRpc, StartResult } from '../../../../src-drivers/sdk/protocol.ts';
import { hostArch } from '../../../../src-drivers/sdk/host-arch.ts';
import { wrapLink } from '../../../../src-drivers/sdk/rpc.ts';
import type { Remote } from '../../../../src-drivers/sdk/rpc.ts';
import { freeLoopbackPort } from '../../ssh/guest-endpoint.ts';
import type { DriverEntry, DriverHost } from '../host.ts';
import type { DriverProcess, SpawnDriverProcess } from '../process.ts';
import type { EntryPaths } from '../sandbox/entries.ts';
import type { DriverCalls } from './calls.ts';
import type { ConsoleProbe } from './console.ts';
import { logTail } from './files.ts';
import { CheckFailure } from './runner.ts';
import type { CheckRunner } from './runner.ts';
import type { ConformanceGuest, ConformanceTimeouts } from './types.ts';

export const guestNeeded = 'a guest: a Linux kernel and initrd whose serial console runs a shell';

/** The folders of a run under its work folder; the same ones a bundle's sandbox is given. */
export function conformancePaths(workDir: string): EntryPaths & { logs: string } {
  return {
    instances: path.join(workDir, 'instances'),
    runtimeRoot: path.join(workDir, 'run'),
    downloads: path.join(workDir, 'downloads'),
    driverCache: (driver) => path.join(workDir, 'cache', driver),
    logs: path.join(workDir, 'logs'),
  };
}

export function defaultCmdline(arch: InstanceSpec['config']['arch']): string {
  return `console=${arch === 'aarch64' || arch === 'armv7l' ? 'ttyAMA0' : 'ttyS0'} quiet`;
}

export function isolationOf(entry: DriverEntry): string {
  if (!entry.isolation) return 'built-in (not sandboxed)';
  return entry.isolation.kind === 'sandboxed' ? `sandboxed (${entry.isolation.by})` : `UNSANDBOXED (${entry.isolation.reason})`;
}

export const stateOf = (r: InspectResult) => `${r.state}${r.pid !== undefined ? ` (pid ${r.pid})` : ''}${r.reason ? `: ${r.reason}` : ''}`;

export interface ConformanceSetup {
  entry: DriverEntry;
  spawn: SpawnDriverProcess;
  paths: ReturnType<typeof conformancePaths>;
  timeouts: ConformanceTimeouts;
  host: DriverHost;
  calls: DriverCalls;
  runner: CheckRunner;
  /** The guest as the driver sees it (staged for a sandboxed one), if any. */
  guest: ConformanceGuest | undefined;
  /** What the driver pushed on its events channel: warnings during a stop are shown beside it. */
  events: DriverEvent[];
}

/** The NIC's MAC in the conformance VM (locally administered, in the range Lima and the engine use). */
export const conformanceMac = '52:55:55:c0:de:42';

export class ConformanceState {
  readonly entry: DriverEntry;
  readonly spawn: SpawnDriverProcess;
  readonly paths: ReturnType<typeof conformancePaths>;
  readonly timeouts: ConformanceTimeouts;
  readonly host: DriverHost;
  readonly calls: DriverCalls;
  readonly runner: CheckRunner;
  readonly guest: ConformanceGuest | undefined;
  readonly events: DriverEvent[];

  readonly arch = hostArch();
  readonly name = 'conformance-vm';
  readonly dir: string;
  readonly runtimeDir: string;
  /** The spec without the guest's files: what the engine sends to inspect, stop, delete ... */
  readonly bare: InstanceSpec;
  /** The spec with the guest's files: what validate, create and start get. */
  readonly full: InstanceSpec;
  /** The bare process the handshake checks talk to, before the engine's host runs the driver. */
  readonly probeLog: string;
  probe: DriverProcess | undefined;
  #remote: Remote<DriverRpc> | undefined;

  rawHello: Record<string, unknown> | undefined;
  handshake: Handshake | undefined;
  /** Where create() ran, and the files it made there (relative). */
  staging = '';
  createdFiles: string[] = [];
  createAttempted = false;
  startAttempted = false;
  startResult: StartResult | undefined;
  /** The loopback port the last start() was asked to forward to the guest's port 22 (capability ssh). */
  sshPort: number | undefined;
  /** The console the console checks opened, and its stream id. */
  shell: ConsoleProbe | undefined;
  readonly consoleId: string;

  constructor(setup: ConformanceSetup, consoleId: string) {
    this.entry = setup.entry;
    this.spawn = setup.spawn;
    this.paths = setup.paths;
    this.timeouts = setup.timeouts;
    this.host = setup.host;
    this.calls = setup.calls;
    this.runner = setup.runner;
    this.guest = setup.guest;
    this.events = setup.events;
    this.consoleId = consoleId;
    this.probeLog = path.join(this.paths.logs, `driver-${this.entry.name}-handshake.log`);
    this.dir = path.join(this.paths.instances, this.name);
    this.runtimeDir = path.join(this.paths.runtimeRoot, 'cvm');
    this.bare = {
      name: this.name, dir: this.dir, runtimeDir: this.runtimeDir,
      config: { vmType: this.entry.name, arch: this.arch, cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 1024 ** 3, display: 'none' },
    };
    const guest = this.guest;
    this.full = !guest ? this.bare : {
      ...this.bare,
      config: {
        ...this.bare.config,
        ...(guest.disk ? { image: { path: guest.disk } } : {}),
        kernel: { path: guest.kernel, cmdline: guest.cmdline ?? defaultCmdline(this.arch) },
        initrd: { path: guest.initrd },
      },
    };
  }

  /** The handshake as the driver sent it (empty before one arrived). */
  hello(): Record<string, unknown> {
    return this.rawHello ?? {};
  }

  /** Starts the bare probe process the handshake checks talk to. */
  startProbe(): void {
    this.probe = this.spawn({ entry: this.entry.entry, logFile: this.probeLog });
    this.#remote = wrapLink<DriverRpc>(this.probe.link);
  }

  /** The probe's RPC surface. */
  rpc(): Remote<DriverRpc> {
    if (!this.#remote) throw new CheckFailure('the driver process did not start');
    return this.#remote;
  }

  /** A call to the probe, failing with its log's end when the process exits first. */
  async viaProbe<T>(call: Promise<T>, what: string): Promise<T> {
    const process = this.probe;
    if (!process) throw new CheckFailure('the driver process is gone');
    const exited = process.exited.then(async (exit): Promise<never> => {
      throw new CheckFailure(`the driver process exited (${exit.signal ?? `code ${exit.code}`}) during ${what}${await logTail(this.probeLog)}`);
    });
    return Promise.race([call, exited]);
  }

  /** Ends the probe: from here on the engine's host runs the driver. */
  async endProbe(): Promise<void> {
    const done = this.probe;
    done?.kill('SIGKILL');
    await done?.exited;
    this.probe = undefined;
  }

  inspect(label: string): Promise<InspectResult> {
    return this.calls.call('inspect', label, this.bare);
  }

  /**
   * The spec start() gets: the guest's, with a MAC for the NIC and, for a driver that declares
   * ssh, a free loopback port to forward to the guest's port 22, as the engine sends them.
   */
  async startSpec(): Promise<InstanceSpec> {
    this.sshPort = this.handshake?.capabilities.ssh ? await freeLoopbackPort() : undefined;
    const network = { macAddress: conformanceMac, ...(this.sshPort ? { sshLocalPort: this.sshPort } : {}) };
    return { ...this.full, config: { ...this.full.config, network } };
  }

  // Reasons a check cannot run, from what the handshake said.
  readonly noSerial = (): string | undefined => ((this.handshake?.capabilities.console.includes('serial') ?? false)
    ? undefined
    : `the driver offers no serial console (capabilities.console is ${JSON.stringify(this.handshake?.capabilities.console ?? [])})`);
  readonly unavailable = (): string | undefined => (this.handshake && !this.handshake.available.ok ? `needs the driver to be available here; it says: ${this.handshake.available.reason}` : undefined);
  readonly needsGuest = (): string | undefined => (this.guest ? this.unavailable() : `needs ${guestNeeded}`);
  readonly noPause = (): string | undefined => (this.handshake?.capabilities.pause ? undefined : 'the driver does not offer pause (capabilities.pause is false)');
  /** For checks of a capability: why they are skipped when the driver does not declare it. */
  readonly lacks = (capability: keyof Capabilities) => (): string | undefined => (this.handshake && declares(this.handshake.capabilities, capability)
    ? undefined
    : `the driver does not offer ${capability} (capabilities.${capability} is ${JSON.stringify(this.handshake?.capabilities[capability] ?? false)})`);
  /** For checks of what a driver without a capability must do: why they are skipped when it declares it. */
  readonly offers = (capability: keyof Capabilities) => (): string | undefined => (this.handshake && declares(this.handshake.capabilities, capability)
    ? `the driver offers ${capability}`
    : undefined);
}
