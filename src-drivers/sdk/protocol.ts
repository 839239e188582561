// The driver contract: what every Corral driver implements, built in or installed from a
// bundle, read top-down: the interfaces (what a driver author writes), then the schemas of
// what crosses the process boundary, then the wire table that both sides dispatch and check
// by. The engine talks to a driver only through this file's types, over Comlink RPC on the
// "rpc" channel of a link (link.ts), with byte streams on channels of their own.
//
// Call order, for one driver process:
//   1. hello()                      the handshake: describe() plus the protocol version
//   2. configure(settings)          once; turns the definition into a configured Driver
//   3. for each instance, any of:
//        validate -> create                         when the instance is made
//        clone, resizeDisk                          on a stopped instance (clone, edit)
//        start | stop | pause | resume | inspect    lifecycle; the engine serialises these per instance
//        openConsole / closeConsole                 attach the serial console to a stream
//        display, snapshots                         when the capabilities say so
//        openStats / closeStats                     live figures of a running VM on a stream (capability `stats`)
//        delete                                     removes what create made
//   The driver may be killed at any moment and a new process started; every method must work
//   on a VM started by an earlier process (re-attach from the instance folder).
import * as z from 'zod';
import { lazySchema } from './lazy-schema.ts';
import type { EngineServices } from './broker.ts';
import type { StreamHub } from './streams.ts';
import type { TransferProgress } from './progress.ts';

/**
 * Bumped on any incompatible change to the types or methods below. A capability added later
 * is not one: it defaults to "not offered" when a driver leaves it out (GUIDE.md, "Protocol versions").
 */
export const PROTOCOL_VERSION = 1;

// --- What a driver author writes ----------------------------------------------------------

/**
 * A driver: who it is, and how it becomes a configured Driver. serveDriver() serves it as the
 * handshake: hello() answers describe() with PROTOCOL_VERSION added, and configure() is called
 * once, after hello() and before anything else.
 */
export interface DriverDefinition {
  /** Identity, capabilities and availability. Cheap and side-effect free: it doubles as the health check. */
  describe(): Promise<DriverDescription>;
  /** Gives the driver its settings (validated) and the context; returns the configured driver. */
  configure(settings: DriverSettings, context: DriverContext): Promise<Driver>;
}

/** What serveDriver() hands a driver when it is configured. */
export interface DriverContext {
  /** Byte streams to the engine (console output out, keystrokes in). */
  streams: StreamHub;
  /** Pushes an event to the engine, unprompted (a VM that stopped by itself, say). */
  emit(event: DriverEvent): void;
  /**
   * Reports a file the driver moves itself (an upload to a remote host) as it goes: the engine
   * shows it on the instance's line for that file, as it shows a download. progress.ts.
   */
  progress(transfer: TransferSubject): TransferProgress;
  /** The engine's services: the spawn broker, for a bundle that starts its own hypervisor (broker.ts). */
  engine: EngineServices;
}

/** The methods a configured driver serves. Every method may throw a DriverError. */
export interface Driver {
  // --- Creation -------------------------------------------------------------------------
  /** Checks that this driver can run the spec (arch, formats, files); throws INVALID_CONFIG naming the field. */
  validate(spec: InstanceSpec): Promise<void>;
  /**
   * Creates the driver's files in the instance folder (disk overlay and the like). Idempotent.
   * The engine runs it in a staging folder that it then renames into place, so the files must
   * not record the folder's own path.
   */
  create(spec: InstanceSpec): Promise<void>;
  /** Removes every file the driver made for the instance. The VM must be stopped (INVALID_STATE). */
  delete(spec: InstanceSpec): Promise<void>;
  /**
   * Makes `target` a copy of the stopped instance `source`: the driver's files (disks) copied
   * into target.dir, which is a staging folder the engine renames into place, as for create().
   */
  clone(source: InstanceSpec, target: InstanceSpec): Promise<void>;
  /**
   * Grows the stopped instance's disk to spec.config.diskBytes (an edit). Never shrinks:
   * INVALID_CONFIG (field "disk") when the disk is larger already.
   */
  resizeDisk(spec: InstanceSpec): Promise<void>;

  // --- Lifecycle ------------------------------------------------------------------------
  /** Starts the VM detached from the driver process, so it outlives it; returns once it runs. */
  start(spec: InstanceSpec): Promise<StartResult>;
  /** Stops the VM: graceful power-down first unless forced, ended after the timeout. */
  stop(spec: InstanceSpec, options: StopOptions): Promise<void>;
  /** Freezes the VM's CPUs (capability `pause`). */
  pause(spec: InstanceSpec): Promise<void>;
  /** Undoes pause() (capability `pause`). */
  resume(spec: InstanceSpec): Promise<void>;
  /** The VM's state from live facts (process alive, hypervisor query), never from a stored flag. */
  inspect(spec: InstanceSpec): Promise<InspectResult>;

  // --- Console (capability `console`) -----------------------------------------------------
  /** Connects the serial console to stream `streamId`: guest bytes flow out on it, bytes sent in reach the guest. */
  openConsole(spec: InstanceSpec, streamId: string): Promise<void>;
  /** Disconnects a stream opened by openConsole(). Closing an unknown stream is not an error. */
  closeConsole(streamId: string): Promise<void>;

  // --- Display and snapshots (capability-gated; UNSUPPORTED otherwise) -------------------
  /** How to reach the running VM's display, or null when it has none (capability `display`). */
  display(spec: InstanceSpec): Promise<DisplayInfo | null>;
  /** The instance's snapshots, running or stopped (capability `snapshots`). */
  listSnapshots(spec: InstanceSpec): Promise<Snapshot[]>;
  /** Saves a snapshot named `tag`: memory too while running, the disk while stopped. */
  createSnapshot(spec: InstanceSpec, tag: string): Promise<void>;
  /** Returns the instance to snapshot `tag`. */
  applySnapshot(spec: InstanceSpec, tag: string): Promise<void>;
  /** Removes snapshot `tag`. */
  deleteSnapshot(spec: InstanceSpec, tag: string): Promise<void>;

  // --- Live figures (capability `stats`) --------------------------------------------------
  /**
   * Sends the running VM's figures on stream `streamId`, one JSON StatsSample per write, about
   * once a second, until closeStats() or the VM's end (then the driver ends the stream).
   */
  openStats(spec: InstanceSpec, streamId: string): Promise<void>;
  /** Stops a stream opened by openStats(). Closing an unknown stream is not an error. */
  closeStats(streamId: string): Promise<void>;
}

export interface StopOptions {
  /** Skip the graceful ACPI power-down and end the VM at once. */
  force: boolean;
  /** How long a graceful stop may take before the VM is ended. */
  timeoutMs: number;
}

/**
 * The handshake as the driver describes itself; serveDriver() adds the protocol version.
 * Capabilities added within v1 (ssh) may be left out: they then mean "not offered".
 */
export type DriverDescription = Omit<HandshakeSent, 'protocol'>;

/** The handshake on the wire: DriverDefinition as the engine calls it, before configure(). */
export interface UnconfiguredDriver {
  hello(): Promise<HandshakeSent>;
  configure(settings: DriverSettingsSent): Promise<void>;
}

/** What serveDriver() exposes over RPC: the handshake methods plus the driver's methods. */
export type DriverRpc = UnconfiguredDriver & Driver;

// --- What crosses the boundary ------------------------------------------------------------
// Each schema is a getter that builds it at its first call (lazySchema): a process builds only
// those it needs, and a parse uses the built schema itself.

/** How a host folder reaches the guest: virtio-9p, or virtiofs (a vhost-user daemon per folder). */
export const mountTypeSchema = z.enum(['9p', 'virtiofs']);
export type MountType = z.infer<typeof mountTypeSchema>;

export const capabilitiesSchema = lazySchema(() => z.object({
  pause: z.boolean(),
  snapshots: z.boolean(),
  display: z.array(z.enum(['vnc'])),
  console: z.array(z.enum(['serial'])),
  imageFormats: z.array(z.string()),
  /** Accelerators this driver may use on this host, best first, e.g. ['kvm', 'tcg']. */
  accelerators: z.array(z.string()),
  /**
   * Forwards 127.0.0.1:spec.config.network.sshLocalPort to the guest's port 22, so Corral offers
   * SSH (`corral shell`, ssh-config, the Terminal). Added within protocol v1: a driver that
   * predates it sends nothing and is read as false (see GUIDE.md, "Protocol versions").
   */
  ssh: z.boolean().default(false),
  /**
   * Host folders it can share with the guest, by mount type (Lima's mountType). Added within
   * protocol v1: a driver that predates it sends nothing and is read as none (GUIDE.md).
   */
  mounts: z.array(mountTypeSchema).default([]),
  /**
   * Live CPU, memory, disk and network figures of a running VM, from the host side, on a stream
   * (openStats). Added within protocol v1: a driver that predates it is read as false (GUIDE.md).
   */
  stats: z.boolean().default(false),
}));
/** The capabilities as the engine reads them: every one present. */
export type Capabilities = z.infer<ReturnType<typeof capabilitiesSchema>>;
/** The capabilities as a driver sends them: the ones added within v1 optional. */
export type DeclaredCapabilities = z.input<ReturnType<typeof capabilitiesSchema>>;

/** A setting's value as it crosses the boundary. */
export const settingValueSchema = lazySchema(() => z.union([z.string(), z.number(), z.boolean()]));
export type SettingValue = z.infer<ReturnType<typeof settingValueSchema>>;

/**
 * One setting a driver takes per connection. A `secret` one is never shown or logged by the
 * engine (a password, a token). `pattern` (a JavaScript regular expression, whole value) narrows
 * a string, e.g. to keep shell metacharacters out of a URI that ends up on a remote command line.
 */
export const settingDeclarationSchema = lazySchema(() => z.object({
  name: z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}$/, 'expected a camelCase name such as "uri"'),
  type: z.enum(['string', 'number', 'boolean']),
  description: z.string(),
  secret: z.boolean().default(false),
  required: z.boolean().default(false),
  pattern: z.string().optional(),
  /** What a value that fails `pattern` should look like, said to the user instead of the pattern. */
  example: z.string().optional(),
}));
export type SettingDeclaration = z.infer<ReturnType<typeof settingDeclarationSchema>>;

export const handshakeSchema = lazySchema(() => z.object({
  protocol: z.number().int(),
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string(),
  /** Node platform names the driver supports, e.g. ['linux', 'darwin']. */
  platforms: z.array(z.string()),
  capabilities: capabilitiesSchema(),
  /**
   * The settings a connection gives this driver (a libvirt URI, say), which the engine validates
   * against these declarations before configure(). Added within protocol v1: none when left out.
   */
  settings: z.array(settingDeclarationSchema()).default([]),
  /** Whether the driver can run here right now, and if not, why (shown in the driver picker). */
  available: z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), reason: z.string() }),
  ]),
}));
/** The handshake as the engine reads it (parsed: defaults filled in). */
export type Handshake = z.infer<ReturnType<typeof handshakeSchema>>;
/** The handshake as a driver sends it. */
export type HandshakeSent = z.input<ReturnType<typeof handshakeSchema>>;

/**
 * Given once per driver process by the engine. One process serves one connection (see
 * src-main/core/drivers/registry.ts), so `values` are that connection's settings, already
 * validated by the engine against the handshake's `settings`.
 */
export const driverSettingsSchema = lazySchema(() => z.object({
  /** A folder the driver may use for its own caches (probe results and the like). */
  cacheDir: z.string(),
  /** The connection's settings by declared name; empty for a driver that declares none. */
  values: z.record(z.string(), settingValueSchema()).default({}),
}));
export type DriverSettings = z.infer<ReturnType<typeof driverSettingsSchema>>;
/** The settings as the engine sends them (`values` may be left out). */
export type DriverSettingsSent = z.input<ReturnType<typeof driverSettingsSchema>>;

/** A file the engine has already fetched and checked: always a local absolute path. */
const localFile = z.string().startsWith('/');

/** An instance as the engine resolved it: config validated, artifacts local, folders known. */
export const instanceSpecSchema = lazySchema(() => z.object({
  name: z.string(),
  /** The instance folder: config, disks, pid file, serial.log, logs. Owned by the instance. */
  dir: localFile,
  /** A short folder for unix sockets (the instance folder may be too deep for sun_path). */
  runtimeDir: localFile,
  config: z.object({
    vmType: z.string(),
    arch: z.enum(['x86_64', 'aarch64', 'riscv64', 'armv7l', 's390x', 'ppc64le']),
    cpus: z.number().int().positive(),
    memoryBytes: z.number().int().positive(),
    diskBytes: z.number().int().positive(),
    image: z.object({ path: localFile, format: z.enum(['qcow2', 'raw']).optional() }).optional(),
    kernel: z.object({ path: localFile, cmdline: z.string() }).optional(),
    initrd: z.object({ path: localFile }).optional(),
    /** A NoCloud seed disk (ISO 9660 labelled "cidata") for the guest to read at boot, read-only. */
    cidata: z.object({ path: localFile }).optional(),
    display: z.enum(['none', 'vnc']),
    /**
     * The guest's NIC: its MAC address (the cidata's network-config matches it) and, optionally,
     * the loopback port on 127.0.0.1 to forward to the guest's port 22. Unset: the driver's default NIC.
     */
    network: z.object({
      macAddress: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'expected a lower-case MAC address such as 52:55:55:12:34:56'),
      sshLocalPort: z.number().int().min(1).max(65535).optional(),
    }).optional(),
    /**
     * Host folders shared with the guest (the template's `mounts`, resolved by the engine). The
     * guest finds each by its tag; the engine's cidata mounts it at mountPoint.
     */
    mounts: z.array(z.object({
      tag: z.string().regex(/^[a-z][a-z0-9]{0,30}$/, 'expected a short tag such as "mount0"'),
      hostPath: localFile,
      mountPoint: localFile,
      writable: z.boolean(),
      type: mountTypeSchema,
      /** 9p only: how guest file owners and modes map to the host's (QEMU's security_model). */
      securityModel: z.enum(['none', 'mapped-xattr', 'mapped-file', 'passthrough']).optional(),
    })).optional(),
  }),
}));
export type InstanceSpec = z.infer<ReturnType<typeof instanceSpecSchema>>;

export const vmStateSchema = z.enum(['Stopped', 'Starting', 'Running', 'Paused', 'Stopping', 'Broken']);
export type VmState = z.infer<typeof vmStateSchema>;

export const inspectResultSchema = lazySchema(() => z.object({
  state: vmStateSchema,
  /** Why the state is Broken, or extra detail for the user. */
  reason: z.string().optional(),
  pid: z.number().int().optional(),
  /** The accelerator the running VM uses, e.g. 'tcg'. */
  accelerator: z.string().optional(),
}));
export type InspectResult = z.infer<ReturnType<typeof inspectResultSchema>>;

/** A 0 pid, which drivers built before pid was optional sent for "unknown", reads as left out. */
const withoutZeroPid = (raw: unknown): unknown => {
  if (typeof raw !== 'object' || raw === null || (raw as { pid?: unknown }).pid !== 0) return raw;
  const { pid: _unknown, ...rest } = raw as Record<string, unknown>;
  return rest;
};

export const startResultSchema = lazySchema(() => z.preprocess(withoutZeroPid, z.object({
  /**
   * The VM's process on this host, when the driver knows one: a driver whose VMs a daemon runs
   * (libvirt, perhaps on another host) leaves it out rather than sending a made-up 0.
   */
  pid: z.number().int().positive().optional(),
  accelerator: z.string(),
  /** Why a better accelerator was not used, when one was skipped. */
  acceleratorNote: z.string().optional(),
})));
export type StartResult = z.infer<ReturnType<typeof startResultSchema>>;

export const displayInfoSchema = lazySchema(() => z.object({
  kind: z.literal('vnc'),
  host: z.string(),
  port: z.number().int(),
  websocketPort: z.number().int().optional(),
  password: z.string(),
}));
export type DisplayInfo = z.infer<ReturnType<typeof displayInfoSchema>>;

export const snapshotSchema = lazySchema(() => z.object({
  tag: z.string(),
  createdAt: z.string(),
  sizeBytes: z.number(),
  running: z.boolean(),
}));
export type Snapshot = z.infer<ReturnType<typeof snapshotSchema>>;

/**
 * One sample of a running VM's figures, as the host sees them: a JSON object per write on a
 * stats stream. Byte counts are totals since the VM started; rates are over `intervalMs`, the
 * time since the sample before (0 and no rates in the first sample of a stream). A figure the
 * driver cannot learn is null, never a made-up 0.
 */
export const statsSampleSchema = lazySchema(() => z.object({
  /** When it was taken (ms since the epoch). */
  at: z.number(),
  intervalMs: z.number().nonnegative(),
  /** CPU time the VM used over the interval, in % of one host CPU (two busy vCPUs: about 200). Null in a stream's first sample. */
  cpuPercent: z.number().nonnegative().nullable(),
  /** Host memory the VM holds (its process's resident set). */
  memoryBytes: z.number().nonnegative(),
  disk: z.object({
    readBytes: z.number().nonnegative(),
    writtenBytes: z.number().nonnegative(),
    readRate: z.number().nonnegative().nullable(),
    writeRate: z.number().nonnegative().nullable(),
  }).nullable(),
  network: z.object({
    rxBytes: z.number().nonnegative(),
    txBytes: z.number().nonnegative(),
    rxRate: z.number().nonnegative().nullable(),
    txRate: z.number().nonnegative().nullable(),
  }).nullable(),
}));
export type StatsSample = z.infer<ReturnType<typeof statsSampleSchema>>;

/** An instance's file that a driver may move itself: the spec's image, kernel, initrd or cidata. */
export const transferFileSchema = z.enum(['image', 'kernel', 'initrd', 'cidata']);
export type TransferFile = z.infer<typeof transferFileSchema>;

/** What a transfer moves and where: the subject of a progress event (context.progress() takes it). */
export const transferSubjectSchema = lazySchema(() => z.object({
  instance: z.string(),
  file: transferFileSchema,
  /** The local file being sent (the spec's path). */
  path: localFile,
  /** Where it goes, in words for the user (a host name). Shown as is: never put a secret here. */
  to: z.string().min(1),
}));
export type TransferSubject = z.infer<ReturnType<typeof transferSubjectSchema>>;

/**
 * How far a transfer the driver makes itself has got: an upload of an instance's image to a
 * remote host's storage, say. 'upload' while bytes move (at most a few a second: the SDK's
 * reporter throttles), then one 'done' or one 'failed' (with `reason`, one line). The engine
 * shows it as a download-progress event of the instance's file (phase 'upload', the rate and
 * time left worked out by the engine), so the downloads view and `corral start` show it like a
 * download. Added within protocol v1: an engine that predates it drops the event.
 */
export const progressEventSchema = lazySchema(() => transferSubjectSchema().extend({
  type: z.literal('progress'),
  phase: z.enum(['upload', 'done', 'failed']),
  bytes: z.number().nonnegative(),
  total: z.number().nonnegative(),
  reason: z.string().optional(),
}));
export type ProgressEvent = z.infer<ReturnType<typeof progressEventSchema>>;

/** Events a driver pushes on its "events" channel, unprompted. */
export const driverEventSchema = lazySchema(() => z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), instance: z.string(), state: vmStateSchema, reason: z.string().optional() }),
  z.object({ type: z.literal('log'), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  progressEventSchema(),
]));
export type DriverEvent = z.infer<ReturnType<typeof driverEventSchema>>;

// --- The wire table ---------------------------------------------------------------------------

type MethodArgs<K extends keyof Driver> = Parameters<Driver[K]>;
type MethodResult<K extends keyof Driver> = Awaited<ReturnType<Driver[K]>>;

/** One argument as the driver side reads it: its schema, and what to call it in an error. */
export interface WireArg<T> {
  what: string;
  /** Built at its first call (lazySchema). */
  schema: () => z.ZodType<T>;
}

type WireArgs<T extends unknown[]> = { [I in keyof T]: WireArg<T[I]> };

/** How one method crosses the boundary. */
export interface MethodWire<K extends keyof Driver> {
  /** Parsed on the driver side before the driver sees them: the engine is another process. */
  args: WireArgs<MethodArgs<K>>;
  /** Checked on the engine side before the engine uses it; built at its first call (lazySchema). */
  result: () => z.ZodType<MethodResult<K>>;
  /** No side effects: the engine repeats it once when it hit a process that had just died. */
  readOnly: boolean;
}

const spec: WireArg<InstanceSpec> = { what: 'instance spec', schema: instanceSpecSchema };
/** Ids and tags arrive as strings; anything else is turned into one, as a string parameter would be. */
const text = (what: string): WireArg<string> => ({ what, schema: lazySchema(() => z.unknown().transform(String)) });
const stopOptions: WireArg<StopOptions> = {
  what: 'stop options',
  schema: lazySchema(() => z.object({ force: z.unknown(), timeoutMs: z.unknown() })
    .transform((o) => ({ force: o.force === true, timeoutMs: Number(o.timeoutMs) || 30_000 }))),
};
/** Methods that return nothing: whatever comes back is dropped. */
const nothing = lazySchema(() => z.unknown().transform((): void => undefined));

/** Every method of Driver, once: the driver-side dispatcher (serve.ts) and the engine's host (core/drivers/host.ts) both run on it. */
export const driverMethods: { [K in keyof Driver]: MethodWire<K> } = {
  validate: { args: [spec], result: nothing, readOnly: true },
  create: { args: [spec], result: nothing, readOnly: false },
  delete: { args: [spec], result: nothing, readOnly: false },
  clone: { args: [spec, spec], result: nothing, readOnly: false },
  resizeDisk: { args: [spec], result: nothing, readOnly: false },
  start: { args: [spec], result: startResultSchema, readOnly: false },
  stop: { args: [spec, stopOptions], result: nothing, readOnly: false },
  pause: { args: [spec], result: nothing, readOnly: false },
  resume: { args: [spec], result: nothing, readOnly: false },
  inspect: { args: [spec], result: inspectResultSchema, readOnly: true },
  openConsole: { args: [spec, text('stream id')], result: nothing, readOnly: false },
  closeConsole: { args: [text('stream id')], result: nothing, readOnly: true },
  display: { args: [spec], result: lazySchema(() => displayInfoSchema().nullable()), readOnly: true },
  listSnapshots: { args: [spec], result: lazySchema(() => z.array(snapshotSchema())), readOnly: true },
  createSnapshot: { args: [spec, text('snapshot tag')], result: nothing, readOnly: false },
  applySnapshot: { args: [spec, text('snapshot tag')], result: nothing, readOnly: false },
  deleteSnapshot: { args: [spec, text('snapshot tag')], result: nothing, readOnly: false },
  openStats: { args: [spec, text('stream id')], result: nothing, readOnly: false },
  closeStats: { args: [text('stream id')], result: nothing, readOnly: true },
};

/** The method names, in the table's order. */
export const driverMethodNames = Object.keys(driverMethods) as Array<keyof Driver>;

/**
 * The methods a capability gates, and which: a driver without the capability answers them
 * UNSUPPORTED (kit/unsupported.ts does it for you), and closeConsole() and closeStats() quietly succeed.
 */
export const gatedMethods = {
  pause: 'pause',
  resume: 'pause',
  openConsole: 'console',
  closeConsole: 'console',
  display: 'display',
  listSnapshots: 'snapshots',
  createSnapshot: 'snapshots',
  applySnapshot: 'snapshots',
  deleteSnapshot: 'snapshots',
  openStats: 'stats',
  closeStats: 'stats',
} as const satisfies Partial<Record<keyof Driver, keyof Capabilities>>;
export type GatedMethod = keyof typeof gatedMethods;

/** Whether the driver declares `capability` (a list capability counts when it is not empty). */
export function declares(capabilities: DeclaredCapabilities, capability: keyof Capabilities): boolean {
  const value = capabilities[capability];
  return Array.isArray(value) ? value.length > 0 : value === true;
}
