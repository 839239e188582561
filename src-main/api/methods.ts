// The one table of CorralApi methods: for each, the request a front end sends (the web shell's
// POST body, the Electron bridge's payload), the result the engine answers with, or, for the
// two that stream, which stream. Everything else is derived from it: the CorralApi type
// (contract.ts), the checks and dispatch both shells run on a call (dispatch.ts), the
// renderer's client (a proxy over the method names) and its result checks.
//
// Adding a method: one row here, its engine side in src-main/engine-api/, one test.
import * as z from 'zod';
import {
  bundleRequestSchema, bundleReviewSchema, createRequestSchema, createResultSchema, deleteRequestSchema, displayInfoSchema,
  deleteResultSchema, driverSchema, editRequestSchema, editResultSchema, enableDriverRequestSchema, installBundleRequestSchema, instanceSchema, logSchema,
  nameRequestSchema, removeDriverRequestSchema, renameRequestSchema, snapshotRequestSchema, snapshotSchema,
  startResultSchema, stopRequestSchema, templateInfoSchema, terminalRequestSchema,
} from './schemas.ts';
import { portsSchema } from './schemas.ts';
import { cacheEntrySchema, downloadIdRequestSchema, moveCacheRequestSchema, moveCacheResultSchema, pruneResultSchema } from './download-schemas.ts';
import { catalogEntrySchema, describeTemplateRequestSchema, holdUploadRequestSchema, holdUploadResultSchema, hostInfoSchema, settingsSchema, templateFactsSchema } from './frame-schemas.ts';
import { addConnectionRequestSchema, connectionNameRequestSchema, connectionSchema, connectionTestSchema } from './connection-schemas.ts';

/** A call whose answer carries nothing: `null` on the wire, `void` in the CorralApi type. */
const nothing = z.null();

/** A plain call: one request, one answer. No `request`: the call takes no argument. */
interface CallRow {
  request?: z.ZodType;
  result: z.ZodType;
}

/** A stream: it travels on the event and console channel (WebSocket or bridge), not as a call. */
interface StreamRow {
  stream: 'events' | 'console' | 'terminal' | 'stats';
  request?: z.ZodType;
}

export const apiMethods = {
  // --- Queries -------------------------------------------------------------------------------
  /** Every instance with its status derived from live facts. */
  listInstances: { result: z.array(instanceSchema) },
  /** Every installed driver with version, capabilities and whether it can run here (and why not). */
  listDrivers: { result: z.array(driverSchema) },
  /** The newest part of the instance's logs: its driver's, and the VM's own (qemu.log, serial.log). */
  readLogs: { request: nameRequestSchema, result: z.array(logSchema) },
  /** The template catalog: names the create dialog offers, with a line each. */
  listTemplates: { result: z.array(templateInfoSchema) },
  /** The catalog with what each template makes (CPUs, memory, disk, OS, arch, image size): the create dialog's gallery. */
  listCatalog: { result: z.array(catalogEntrySchema) },
  /** What one template (catalog name, file or URL) makes, to prefill the create dialog. */
  describeTemplate: { request: describeTemplateRequestSchema, result: templateFactsSchema },
  /** Keeps a template upload from prune for a while (a lease the open create dialog renews). */
  holdUpload: { request: holdUploadRequestSchema, result: holdUploadResultSchema },
  /** This host's CPUs and memory, which the create dialog checks its fields against. */
  hostInfo: { result: hostInfoSchema },
  /** Where the engine keeps data, downloads and drop-in drivers, and the trusted signing keys (Settings). */
  settings: { result: settingsSchema },

  // --- Commands ------------------------------------------------------------------------------
  /** Creates an instance from a template, with optional overrides and driver choice. */
  create: { request: createRequestSchema, result: createResultSchema },
  /** Boots a stopped instance; resolves once it runs. */
  start: { request: nameRequestSchema, result: startResultSchema },
  /** Powers off: ACPI first, or at once with `force`. */
  stop: { request: stopRequestSchema, result: nothing },
  /** Freezes the instance's CPUs (drivers with the pause capability). */
  pause: { request: nameRequestSchema, result: nothing },
  /** Thaws a paused instance. */
  resume: { request: nameRequestSchema, result: nothing },
  /** Removes the instance and its disks; a running one, or one its driver cannot answer for, only with `force`. */
  delete: { request: deleteRequestSchema, result: deleteResultSchema },
  /** Cancels the downloads a start is waiting for (the start then fails, saying so). */
  cancelDownloads: { request: nameRequestSchema, result: nothing },
  /** Cancels one download by the id its progress events carry; the instance's other downloads run on. */
  cancelDownload: { request: downloadIdRequestSchema, result: nothing },
  /** Fetches the instance's files again without starting it (Retry of a failed download). */
  retryDownloads: { request: nameRequestSchema, result: nothing },
  /** What the download cache holds: size, when, and which instances use each file. */
  listCache: { result: z.array(cacheEntrySchema) },
  /** Moves the download cache to another folder, recorded for later starts (refused while a download runs). */
  moveCache: { request: moveCacheRequestSchema, result: moveCacheResultSchema },
  moveInstances: { request: moveCacheRequestSchema, result: moveCacheResultSchema },
  /** Removes cached files no instance uses. */
  pruneCache: { result: pruneResultSchema },

  // --- Snapshots and reshaping ---------------------------------------------------------------
  /** The instance's snapshots: tag, date, saved VM state size, whether taken running. */
  listSnapshots: { request: nameRequestSchema, result: z.array(snapshotSchema) },
  /** Takes a snapshot: memory too while running, the disk alone while stopped. */
  createSnapshot: { request: snapshotRequestSchema, result: nothing },
  applySnapshot: { request: snapshotRequestSchema, result: nothing },
  deleteSnapshot: { request: snapshotRequestSchema, result: nothing },
  /** Stops the instance if it runs (at once with `force`) and starts it again. */
  restart: { request: stopRequestSchema, result: startResultSchema },
  /** A copy of a stopped instance, disk included, under a new name. */
  clone: { request: renameRequestSchema, result: instanceSchema },
  /** Renames a stopped instance. */
  rename: { request: renameRequestSchema, result: instanceSchema },
  /** Changes cpus, memory or disk size of a stopped instance; the disk only grows. */
  edit: { request: editRequestSchema, result: editResultSchema },
  /** How to reach the running instance's display, or null when it has none. */
  display: { request: nameRequestSchema, result: displayInfoSchema.nullable() },
  /** The instance's port forwards (live, or stale with the reason) and the ports that could not be forwarded. */
  ports: { request: nameRequestSchema, result: portsSchema },

  // --- Driver bundles ------------------------------------------------------------------------
  /** Checks a bundle and says what it asks for (the trust dialog); installs nothing. */
  reviewDriverBundle: { request: bundleRequestSchema, result: bundleReviewSchema },
  /** Installs (or upgrades to) a reviewed bundle: the user's approval. It is usable at once. */
  installDriverBundle: { request: installBundleRequestSchema, result: driverSchema },
  /** Uninstalls a bundle driver; refused while its instances run unless `force`. */
  removeDriver: { request: removeDriverRequestSchema, result: nothing },
  /** Turns an installed bundle driver on or off; off is refused while its instances run unless `force`. */
  setDriverEnabled: { request: enableDriverRequestSchema, result: nothing },

  // --- Connections ---------------------------------------------------------------------------
  /** Where VMs run: local, each driver's default connection, and the named ones (secrets masked). */
  listConnections: { result: z.array(connectionSchema) },
  /** Adds a named libvirt connection once a first contact found a host that can run QEMU VMs. */
  addConnection: { request: addConnectionRequestSchema, result: connectionTestSchema },
  /** Connects and says what answered. */
  testConnection: { request: connectionNameRequestSchema, result: connectionTestSchema },
  /** Forgets a named connection; refused while instances use it. */
  removeConnection: { request: connectionNameRequestSchema, result: nothing },

  // --- Streams -------------------------------------------------------------------------------
  /** Status changes and list changes as they happen (no polling). */
  onEvent: { stream: 'events' },
  /** The serial console; what the guest printed earlier in this boot comes first. */
  openConsole: { stream: 'console', request: nameRequestSchema },
  /** A login shell in the guest over SSH, on a pty whose size follows the page's terminal. */
  openTerminal: { stream: 'terminal', request: terminalRequestSchema },
  /** Live CPU, memory, disk and network figures of a running instance, about once a second, while watched. */
  watchStats: { stream: 'stats' },
} as const satisfies Record<string, CallRow | StreamRow>;

type Table = typeof apiMethods;
export type ApiMethod = keyof Table;

/** The methods that are plain calls: `POST /api/METHOD` in the web shell, `invoke` in Electron. */
export type CallMethod = { [M in ApiMethod]: Table[M] extends CallRow ? M : never }[ApiMethod];

/** The call methods' names, in table order (the same set both shells answer). */
export const callMethods = Object.keys(apiMethods).filter((method): method is CallMethod => !('stream' in apiMethods[method as ApiMethod]));

export function isCallMethod(method: string): method is CallMethod {
  return (callMethods as readonly string[]).includes(method);
}

/** What a caller passes: the request schema's input (defaults may be left out). */
export type CallRequest<M extends CallMethod> = Table[M] extends { request: z.ZodType } ? z.input<Table[M]['request']> : undefined;

/** What a call resolves to: `void` for the calls that answer `null`. */
export type CallPromise<M extends CallMethod> = z.output<Table[M]['result']> extends null ? Promise<void> : Promise<z.output<Table[M]['result']>>;

/** The calls of CorralApi, derived from the table: one request object in, the result out. */
export type ApiCalls = {
  [M in CallMethod]: (...request: CallRequest<M> extends undefined ? [] : [request: CallRequest<M>]) => CallPromise<M>;
};
