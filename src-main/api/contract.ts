// CorralApi: the one contract between a front end (the web shell's browser tab, the Electron
// renderer) and the engine. The renderer imports this file with `import type` only; the
// engine side implements it in engine-api.ts and carries it over HTTP + WebSocket
// (src-main/server) or, later, the Electron preload bridge.
//
// Every method may reject with an ApiError: the engine's DriverError (code, message,
// details) unchanged, so the UI shows the engine's own message.
import type { z } from 'zod';
import type {
  displayInfoSchema, editRequestSchema, snapshotSchema, bundleReviewSchema, bundleSourceSchema,
  apiErrorSchema, apiEventSchema, clientMessageSchema, createRequestSchema, createResultSchema, driverSchema,
  instanceSchema, serverMessageSchema, startResultSchema,
} from './schemas.ts';

export type { ErrorCode } from '../../src-drivers/sdk/errors.ts';
export type { VmState } from '../../src-drivers/sdk/protocol.ts';

export type Instance = z.infer<typeof instanceSchema>;
export type DriverInfo = z.infer<typeof driverSchema>;
export type CreateRequest = z.input<typeof createRequestSchema>;
export type CreateResult = z.infer<typeof createResultSchema>;
export type StartResult = z.infer<typeof startResultSchema>;
export type ApiError = z.infer<typeof apiErrorSchema>;
export type Snapshot = z.infer<typeof snapshotSchema>;
export type DisplayInfo = z.infer<typeof displayInfoSchema>;
export type BundleSource = z.infer<typeof bundleSourceSchema>;
export type BundleReview = z.infer<typeof bundleReviewSchema>;
export type EditRequest = Omit<z.input<typeof editRequestSchema>, 'name'>;
export type ApiEvent = z.infer<typeof apiEventSchema>;
export interface TemplateInfo {
  name: string;
  description: string;
}
export type ClientMessage = z.input<typeof clientMessageSchema>;
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** An attached serial console. Bytes are the guest's raw output; write() sends keystrokes. */
export interface ConsoleStream {
  /** Guest output, in order; the current boot's recent output comes first. Returns an unsubscribe. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /**
   * The stream ended (guest gone, driver restarted, closed); no more data follows. When its
   * driver process exited, `driverRestartMs` says about when a new one runs (the VM runs on,
   * so the console can be opened again then).
   */
  onEnd(listener: (reason: string, driverRestartMs?: number) => void): () => void;
  /** Sends bytes to the guest's serial input; settles once they are on their way (ignored once ended). */
  write(bytes: Uint8Array): Promise<void>;
  /** Detaches; the VM keeps running. */
  close(): Promise<void>;
}

export interface CorralApi {
  // --- Queries -------------------------------------------------------------------------------
  /** Every instance with its status derived from live facts. */
  listInstances(): Promise<Instance[]>;
  /** Every installed driver with version, capabilities and whether it can run here (and why not). */
  listDrivers(): Promise<DriverInfo[]>;
  /** The newest part of the instance's logs: its driver's, and the VM's own (qemu.log, serial.log). */
  readLogs(name: string): Promise<{ name: string; text: string }[]>;
  /** The template catalog: names the create dialog offers, with a line each. */
  listTemplates(): Promise<TemplateInfo[]>;

  // --- Commands ------------------------------------------------------------------------------
  /** Creates an instance from a template, with optional overrides and driver choice. */
  create(request: CreateRequest): Promise<CreateResult>;
  /** Boots a stopped instance; resolves once it runs. */
  start(name: string): Promise<StartResult>;
  /** Powers off: ACPI first, or at once with `force`. */
  stop(name: string, options?: { force?: boolean }): Promise<void>;
  /** Freezes the instance's CPUs (drivers with the pause capability). */
  pause(name: string): Promise<void>;
  /** Thaws a paused instance. */
  resume(name: string): Promise<void>;
  /** Removes the instance and its disks; a running one only with `force`. */
  delete(name: string, options?: { force?: boolean }): Promise<void>;
  /** Cancels the downloads a start is waiting for (the start then fails, saying so). */
  cancelDownloads(name: string): Promise<void>;

  // --- Snapshots and reshaping (issue 6) -------------------------------------------------------
  /** The instance's snapshots: tag, date, saved VM state size, whether taken running. */
  listSnapshots(name: string): Promise<Snapshot[]>;
  /** Takes a snapshot: memory too while running, the disk alone while stopped. */
  createSnapshot(name: string, tag: string): Promise<void>;
  applySnapshot(name: string, tag: string): Promise<void>;
  deleteSnapshot(name: string, tag: string): Promise<void>;
  /** Stops the instance if it runs (at once with `force`) and starts it again. */
  restart(name: string, options?: { force?: boolean }): Promise<StartResult>;
  /** A copy of a stopped instance, disk included, under a new name. */
  clone(name: string, newName: string): Promise<Instance>;
  /** Renames a stopped instance. */
  rename(name: string, newName: string): Promise<Instance>;
  /** Changes cpus, memory or disk size of a stopped instance; the disk only grows. */
  edit(name: string, changes: EditRequest): Promise<Instance>;
  /** How to reach the running instance's display, or null when it has none. */
  display(name: string): Promise<DisplayInfo | null>;

  // --- Driver bundles (issue 5) ----------------------------------------------------------------
  /** Checks a bundle and says what it asks for (the trust dialog); installs nothing. */
  reviewDriverBundle(source: BundleSource): Promise<BundleReview>;
  /** Installs (or upgrades to) a reviewed bundle: the user's approval. It is usable at once. */
  installDriverBundle(source: BundleSource, options?: { force?: boolean }): Promise<DriverInfo>;
  /** Uninstalls a bundle driver; refused while its instances run unless `force`. */
  removeDriver(name: string, options?: { force?: boolean }): Promise<void>;
  /** Turns an installed bundle driver on or off; off is refused while its instances run unless `force`. */
  setDriverEnabled(name: string, enabled: boolean, options?: { force?: boolean }): Promise<void>;

  // --- Pushed events -------------------------------------------------------------------------
  /** Status changes and list changes as they happen (no polling). Returns an unsubscribe. */
  onEvent(listener: (event: ApiEvent) => void): () => void;

  // --- Console streams -----------------------------------------------------------------------
  /** Attaches to the serial console; what the guest printed earlier in this boot comes first. */
  openConsole(name: string): Promise<ConsoleStream>;
}
