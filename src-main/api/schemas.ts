// The wire format of CorralApi: a zod schema for every message that crosses between a front
// end (browser tab, Electron renderer) and the engine. The engine side parses everything it
// receives with these; the renderer checks call results with them (methods.ts). Nothing here
// may load Node or engine code: the renderer imports this folder.
import * as z from 'zod';
import { errorCodes } from '../../src-drivers/sdk/errors.ts';
import {
  capabilitiesSchema as driverCapabilitiesSchema, displayInfoSchema as driverDisplayInfoSchema, snapshotSchema as driverSnapshotSchema,
  mountTypeSchema, statsSampleSchema as driverStatsSampleSchema, vmStateSchema,
} from '../../src-drivers/sdk/protocol.ts';
import { downloadFailureSchema, downloadPhaseSchema } from './download-schemas.ts';

// --- Data the queries return -----------------------------------------------------------------

export const instanceSchema = z.object({
  name: z.string(),
  state: vmStateSchema,
  /** Why the state is Broken, or detail for the user. */
  reason: z.string().optional(),
  /**
   * When a Broken instance's lima.yaml is at fault: the reason without its remedy, which names a
   * CLI command; a front end words its own (repair the file, or delete the instance).
   */
  configProblem: z.string().optional(),
  /** When a Broken instance's driver is not installed: installing it (or deleting the instance) is the remedy. */
  driverMissing: z.literal(true).optional(),
  /**
   * When a Broken instance's driver is installed but could not answer for it (its process failing,
   * its hypervisor out of reach): force stop and restart fail with its error; a forced delete
   * removes it. Absent from older engines.
   */
  driverUnreachable: z.literal(true).optional(),
  /** The driver (Lima's vmType) that runs the instance; absent for a Broken one whose lima.yaml names none (or cannot be read): not known. */
  driver: z.string().optional(),
  /** Where it runs (core/connections): "local", a driver's default, or a named connection; absent from older engines. */
  connection: z.string().optional(),
  arch: z.string(),
  cpus: z.number().int(),
  memoryBytes: z.number(),
  diskBytes: z.number(),
  accelerator: z.string().optional(),
  /**
   * While it runs, when lima.yaml was edited since it started: the CPUs, memory and disk size
   * the VM has (diskBytes absent from older engines). cpus, memoryBytes and diskBytes above are
   * the file's, which apply at the next start.
   */
  startedWith: z.object({ cpus: z.number().int(), memoryBytes: z.number(), diskBytes: z.number().optional() }).optional(),
  /** Whether its config gives it a screen (video.display); absent from older engines. */
  display: z.enum(['vnc', 'none']).optional(),
  /** Where SSH reaches the guest (recorded at its last start): the Terminal tab and `corral shell`. */
  ssh: z.object({ host: z.string(), port: z.number().int(), user: z.string() }).optional(),
  /** How far the guest's boot got while the VM runs (src-main/core/guest/status.ts). */
  guest: z.object({
    phase: z.enum(['booting', 'provisioning', 'probing', 'ready', 'failed', 'timeout']),
    step: z.object({ index: z.number().int(), total: z.number().int(), name: z.string() }).optional(),
    failure: z.object({ script: z.string(), exitStatus: z.number().int(), lastLines: z.array(z.string()) }).optional(),
    message: z.string().optional(),
    /** When SSH first let the host agent in during this boot (ISO time); absent while it has not. */
    sshSince: z.string().optional(),
  }).optional(),
  /** The template's message for the user, shown once the guest is ready. */
  message: z.string().optional(),
  /**
   * Host folders shared with the guest, as the driver serves them (Lima's defaults when the
   * template has no `mounts`); absent from older engines and when the driver could not be asked.
   */
  mounts: z.array(z.object({
    hostPath: z.string(),
    guestPath: z.string(),
    writable: z.boolean(),
    type: mountTypeSchema,
  })).optional(),
  /** Why no folder is shared although the template did not ask for none (Lima's defaults skipped), for the page to say. */
  mountsSkipped: z.string().optional(),
});

export const driverSchema = z.object({
  name: z.string(),
  version: z.string().nullable(),
  description: z.string(),
  capabilities: driverCapabilitiesSchema().nullable(),
  available: z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), reason: z.string() }),
  ]),
  /** How its process is confined: part of Corral, an installed bundle in a sandbox, or a bundle without one (and why). */
  sandbox: z.discriminatedUnion('state', [
    z.object({ state: z.literal('built-in') }),
    z.object({ state: z.literal('sandboxed'), by: z.string() }),
    z.object({ state: z.literal('unsandboxed'), reason: z.string() }),
  ]),
  /** False for an installed bundle the user turned off. */
  enabled: z.boolean(),
});

/** What installing a driver bundle would do: the trust dialog's facts (the CLI prints `text`). */
export const bundleReviewSchema = z.object({
  name: z.string(),
  version: z.string(),
  description: z.string(),
  /** Who signed it, in words ("UNSIGNED: ...", "signed by ..."). */
  signer: z.string(),
  signed: z.enum(['unsigned', 'trusted', 'untrusted']),
  permissions: z.object({
    read: z.array(z.string()), write: z.array(z.string()), exec: z.array(z.string()), network: z.boolean(),
    /** Executables the engine's spawn broker may start for it, kept running after the driver exits. */
    spawn: z.array(z.string()).optional(),
    /** Whether it logs in to other hosts over SSH as the user (~/.ssh read-only, the agent). */
    ssh: z.boolean().optional(),
  }),
  sandbox: z.discriminatedUnion('enforced', [
    z.object({ enforced: z.literal(true), by: z.string() }),
    z.object({ enforced: z.literal(false), reason: z.string() }),
  ]),
  /** The installed version this one replaces, if any. */
  replaces: z.string().nullable(),
  text: z.string(),
});

/** The instance's port forwards (ports.json read against live facts: src-main/core/guest/instance-ports.ts). */
export const portsSchema = z.object({
  live: z.boolean(),
  note: z.string().optional(),
  forwards: z.array(z.object({
    guestPort: z.number().int(),
    hostIP: z.string(),
    hostPort: z.number().int(),
    proto: z.enum(['tcp', 'udp']),
    source: z.enum(['static', 'discovered']),
    guestSocket: z.string().optional(),
    hostSocket: z.string().optional(),
  })),
  problems: z.array(z.object({ guestPort: z.number().int().optional(), message: z.string() })),
  updatedAt: z.string().optional(),
});

/** One log file's newest part: the driver's log, qemu.log, serial.log. */
export const logSchema = z.object({ name: z.string(), text: z.string() });

/** A catalog template the create dialog offers. */
export const templateInfoSchema = z.object({ name: z.string(), description: z.string() });

// --- Requests --------------------------------------------------------------------------------

/** Instance names are checked by the engine (INVALID_NAME); here only that it is a string. */
const name = z.string().min(1).max(255);

export const nameRequestSchema = z.object({ name });

export const createRequestSchema = z.object({
  name,
  /** A lima.yaml path on the engine's machine, or a catalog template name. */
  template: z.string().min(1),
  cpus: z.number().int().positive().optional(),
  /** Sizes as the CLI takes them: "512MiB", "4GiB". */
  memory: z.string().min(1).optional(),
  disk: z.string().min(1).optional(),
  driver: z.string().min(1).optional(),
  /** The connection to run it on (sets the driver too); unset, the driver's default. */
  connection: z.string().min(1).optional(),
  /** 'vnc' gives the guest a screen (the create dialog's default where the driver has one). */
  display: z.enum(['vnc', 'none']).optional(),
});

/** A terminal's size in character cells, as xterm measures it (a pty's sizes are 16-bit). */
export const terminalSizeSchema = z.object({ cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) });
export const terminalRequestSchema = z.object({ name, ...terminalSizeSchema.shape });

export const stopRequestSchema = z.object({ name, force: z.boolean().default(false) });
export const deleteRequestSchema = z.object({ name, force: z.boolean().default(false) });

/** Snapshots, clone, rename, edit (issue 6). Tags and new names are checked by the engine too. */
export const snapshotRequestSchema = z.object({ name, tag: z.string().min(1).max(255) });
export const renameRequestSchema = z.object({ name, newName: name });
export const editRequestSchema = z.object({
  name,
  cpus: z.number().int().positive().optional(),
  memory: z.string().min(1).optional(),
  disk: z.string().min(1).optional(),
});
// The driver protocol builds these at first use; the API's schemas are all built when it loads.
export const snapshotSchema = driverSnapshotSchema();
export const displayInfoSchema = driverDisplayInfoSchema();
export const statsSampleSchema = driverStatsSampleSchema();

/**
 * Where a driver bundle to install is: a file the user dropped in the desktop app (its path,
 * from Electron's webUtils), or a file the web shell uploaded (the id the upload returned).
 */
export const bundleSourceSchema = z.union([
  z.strictObject({ path: z.string().startsWith('/').max(4096) }),
  z.strictObject({ upload: z.string().regex(/^[0-9a-f]{32}$/, 'is not an upload id') }),
]);
export const bundleRequestSchema = z.object({ source: bundleSourceSchema });
export const installBundleRequestSchema = z.object({ source: bundleSourceSchema, force: z.boolean().default(false) });
const driverName = z.string().min(1).max(64);
export const removeDriverRequestSchema = z.object({ name: driverName, force: z.boolean().default(false) });
export const enableDriverRequestSchema = z.object({ name: driverName, enabled: z.boolean(), force: z.boolean().default(false) });
export const uploadResultSchema = z.object({ upload: z.string() });

/** A create or edit warning, with the field it is about when there is one (a dialog shows it there). */
export const fieldWarningSchema = z.object({ field: z.enum(['cpus', 'memory', 'disk']).optional(), message: z.string() });
export const createResultSchema = z.object({ instance: instanceSchema, warnings: z.array(fieldWarningSchema) });
/** An edited instance, and what this host can give only in part (the Edit dialog shows them on their fields). */
export const editResultSchema = instanceSchema.extend({ warnings: z.array(fieldWarningSchema) });
/** What a delete could not remove outside the instance folder (its driver failed), in the engine's words. */
export const deleteResultSchema = z.object({ warnings: z.array(z.string()) });
export const startResultSchema = z.object({ accelerator: z.string(), acceleratorNote: z.string().optional() });

// --- Errors ----------------------------------------------------------------------------------

/** A DriverError as it crosses the wire: the engine's own code, message and details. */
export const apiErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});

/** Every HTTP call answers with one of these (the HTTP status mirrors ok/error too). */
export const callResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: apiErrorSchema }),
]);

// --- Pushed events and console streams (the WebSocket) ---------------------------------------

export const apiEventSchema = z.discriminatedUnion('type', [
  /** `configProblem`, `driverMissing` and `driverUnreachable`: as on the instance (what broke it), so a notification words its own remedy. */
  z.object({ type: z.literal('instance-status'), name: z.string(), state: vmStateSchema, reason: z.string().optional(), configProblem: z.string().optional(), driverMissing: z.literal(true).optional(), driverUnreachable: z.literal(true).optional() }),
  z.object({ type: z.literal('instances-changed') }),
  z.object({ type: z.literal('driver-log'), driver: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  /** A file an instance needs is being fetched: per artifact, whatever the driver. */
  z.object({
    type: z.literal('download-progress'),
    /** This download's id, for cancelling it alone (cancelDownload). */
    id: z.string(),
    instance: name,
    /** cidata only ever as an upload: the engine makes it, a driver may send it elsewhere. */
    artifact: z.enum(['image', 'kernel', 'initrd', 'archive', 'cidata']),
    url: z.string(),
    /**
     * Set when the driver is sending this file to where its VMs run (a remote host, named here)
     * rather than the engine fetching it: phase 'upload'. Neither Cancel nor Retry reaches it.
     */
    uploadTo: z.string().optional(),
    phase: downloadPhaseSchema,
    bytes: z.number(),
    total: z.number().nullable(),
    rate: z.number(),
    etaSeconds: z.number().nullable(),
    /** A local file checked in place (not a download: the Downloads page does not list it). */
    local: z.boolean(),
    /** Why it failed (phase 'failed'), in plain words. */
    failure: downloadFailureSchema.optional(),
  }),
  /** The download cache is being moved (Settings' Move…, `corral cache move`): how far. */
  z.object({ type: z.literal('cache-move'), to: z.string(), phase: z.enum(['copying', 'switching', 'done']), bytes: z.number(), total: z.number() }),
  z.object({ type: z.literal('instances-move'), to: z.string(), phase: z.enum(['copying', 'switching', 'done']), bytes: z.number(), total: z.number() }),
  /** The host agent wrote how far the guest's boot got (null: nothing for this boot). */
  z.object({ type: z.literal('guest-status'), name, guest: instanceSchema.shape.guest.unwrap().nullable() }),
  /** The instance's forwards changed (a guest program opened or closed a port, forwarding ended). */
  z.object({ type: z.literal('ports-changed'), name, ports: portsSchema }),
]);

/** Most instances one page may watch the figures of at once (a list of hundreds of running VMs). */
export const maxStatsWatched = 1000;

/** A console stream id, chosen by the client, unique per connection. */
const streamId = z.string().min(1).max(64);

/**
 * Most bytes one console-write may carry. The page cuts a paste into pieces this size and
 * sends the next only as earlier ones are written (console-written), so a big paste neither
 * nears the WebSocket's frame limit nor piles up in the engine.
 */
export const maxConsoleWriteBytes = 16 * 1024;
/** Most bytes one console-data message carries: a fast guest's output is sent in pieces. */
export const maxConsoleDataBytes = 64 * 1024;

/** The byte length base64 text decodes to (it is checked to be base64 first). */
function decodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Console bytes travel base64-encoded inside JSON frames. */
const writeData = z.base64().max(Math.ceil(maxConsoleWriteBytes / 3) * 4)
  .refine((text) => decodedLength(text) <= maxConsoleWriteBytes, { message: `more than ${maxConsoleWriteBytes} bytes in one console write` });

export const clientMessageSchema = z.discriminatedUnion('type', [
  /** Attach to an instance's serial console (recent output of this boot first). */
  z.object({ type: z.literal('console-open'), id: streamId, name }),
  z.object({ type: z.literal('console-write'), id: streamId, data: writeData }),
  z.object({ type: z.literal('console-close'), id: streamId }),
  /**
   * Open a login shell in the guest over SSH on a pty of this size (the Terminal tab). It is a
   * stream like a console: console-write, console-close and the console-* answers carry it.
   */
  z.object({ type: z.literal('terminal-open'), id: streamId, name, ...terminalSizeSchema.shape }),
  /** The terminal's xterm changed size: the guest's pty follows. */
  z.object({ type: z.literal('terminal-resize'), id: streamId, ...terminalSizeSchema.shape }),
  /**
   * The instances whose live figures this page shows now (the whole set, replacing the one
   * before; [] stops them all). Only watched instances are sampled.
   */
  z.object({ type: z.literal('stats-watch'), names: z.array(name).max(maxStatsWatched) }),
]);

export const serverMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('event'), event: apiEventSchema }),
  z.object({ type: z.literal('console-opened'), id: streamId }),
  z.object({ type: z.literal('console-data'), id: streamId, data: z.string() }),
  /** `bytes` of the stream's earlier console-writes went to the guest: the page may send more. */
  z.object({ type: z.literal('console-written'), id: streamId, bytes: z.number().int().nonnegative() }),
  /** The stream ended; `driverRestartMs`: its driver process exited and starts again after about this long. */
  z.object({ type: z.literal('console-ended'), id: streamId, reason: z.string(), driverRestartMs: z.number().nonnegative().optional() }),
  z.object({ type: z.literal('console-error'), id: streamId, error: apiErrorSchema }),
  /**
   * Live figures of watched instances, batched (several instances' samples per message, a few
   * messages a second), and the instances whose figures stopped (stopped, not offered), with why.
   */
  z.object({
    type: z.literal('stats'),
    samples: z.array(z.object({ name, sample: statsSampleSchema })),
    ended: z.array(z.object({ name, reason: z.string() })),
  }),
]);
