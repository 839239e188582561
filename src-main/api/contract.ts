// CorralApi: the one contract between a front end (the web shell's browser tab, the Electron
// renderer) and the engine, as types. The methods and their schemas are the table in
// methods.ts; src-main/engine-api/ implements it over the engine, and the web shell
// (HTTP + WebSocket) and the Electron preload bridge carry it.
//
// Every method may reject with an ApiError: the engine's DriverError (code, message,
// details) unchanged, so the UI shows the engine's own message.
import type * as z from 'zod';
import type { ApiCalls, ApiMethod } from './methods.ts';
import type {
  displayInfoSchema, editRequestSchema, snapshotSchema, bundleReviewSchema, bundleSourceSchema, logSchema, templateInfoSchema,
  apiErrorSchema, apiEventSchema, clientMessageSchema, statsSampleSchema, createRequestSchema, createResultSchema, driverSchema,
  instanceSchema, serverMessageSchema, startResultSchema, terminalRequestSchema, terminalSizeSchema,
} from './schemas.ts';
import type { portsSchema } from './schemas.ts';
import type { cacheEntrySchema, downloadFailureSchema, pruneResultSchema } from './download-schemas.ts';
import type { catalogEntrySchema, hostInfoSchema, settingsSchema, templateFactsSchema } from './frame-schemas.ts';
import type { connectionSchema, connectionTestSchema } from './connection-schemas.ts';

export type { ErrorCode } from '../../src-drivers/sdk/errors.ts';
export type { VmState } from '../../src-drivers/sdk/protocol.ts';

export type Instance = z.infer<typeof instanceSchema>;
export type ConnectionInfo = z.infer<typeof connectionSchema>;
export type ConnectionTest = z.infer<typeof connectionTestSchema>;
export type DriverInfo = z.infer<typeof driverSchema>;
export type CreateRequest = z.input<typeof createRequestSchema>;
export type CreateResult = z.infer<typeof createResultSchema>;
export type StartResult = z.infer<typeof startResultSchema>;
export type ApiError = z.infer<typeof apiErrorSchema>;
export type Snapshot = z.infer<typeof snapshotSchema>;
export type DisplayInfo = z.infer<typeof displayInfoSchema>;
export type BundleSource = z.infer<typeof bundleSourceSchema>;
export type BundleReview = z.infer<typeof bundleReviewSchema>;
export type EditRequest = z.input<typeof editRequestSchema>;
export type ApiEvent = z.infer<typeof apiEventSchema>;
export type TemplateInfo = z.infer<typeof templateInfoSchema>;
export type LogFile = z.infer<typeof logSchema>;
export type InstancePortsInfo = z.infer<typeof portsSchema>;
export type CacheEntry = z.infer<typeof cacheEntrySchema>;
export type PruneSummary = z.infer<typeof pruneResultSchema>;
export type DownloadFailure = z.infer<typeof downloadFailureSchema>;
export type ClientMessage = z.input<typeof clientMessageSchema>;
export type ServerMessage = z.infer<typeof serverMessageSchema>;
export type TerminalRequest = z.infer<typeof terminalRequestSchema>;
export type TerminalSize = z.infer<typeof terminalSizeSchema>;
export type StatsSample = z.infer<typeof statsSampleSchema>;
/** What a stats watcher hears: a sample, or that samples stopped (the VM stopped, the driver has none) and why. */
export type StatsUpdate = { type: 'sample'; sample: StatsSample } | { type: 'ended'; reason: string };

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

/**
 * A login shell in the guest on a pty (the Terminal tab): a console stream whose end says why
 * (the shell exited, the guest stopped), plus the pty's size.
 */
export interface TerminalStream extends ConsoleStream {
  /** The page's terminal changed size; the guest's pty follows. */
  resize(size: TerminalSize): void;
}

/**
 * The calls come from the method table (methods.ts): each takes its request object, the same
 * object the web shell's POST body carries. The streams are written out here because their
 * shape is the transport's (a listener, a stream object), not a request and a result.
 */
export interface CorralApi extends ApiCalls {
  /** Status changes and list changes as they happen (no polling). Returns an unsubscribe. */
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Attaches to the serial console; what the guest printed earlier in this boot comes first. */
  openConsole(name: string): Promise<ConsoleStream>;
  /** Opens a login shell over SSH on a pty of the request's size; refused while the instance is not running. */
  openTerminal(request: TerminalRequest): Promise<TerminalStream>;
  /**
   * Live figures of instance `name` while it runs, about once a second (the latest at once when
   * there is one); watching a stopped instance waits for its start. Returns the unsubscribe.
   */
  watchStats(name: string, listener: (update: StatsUpdate) => void): () => void;
}

// Fails to compile when CorralApi and the method table (methods.ts) name different methods.
const sameMethods: [Exclude<keyof CorralApi, ApiMethod>, Exclude<ApiMethod, keyof CorralApi>] extends [never, never] ? true : never = true;
void sameMethods;

// The create dialog's and Settings page's types (frame-schemas.ts).
export type HostInfo = z.infer<typeof hostInfoSchema>;
export type TemplateFacts = z.infer<typeof templateFactsSchema>;
export type CatalogEntry = z.infer<typeof catalogEntrySchema>;
export type EngineSettingsInfo = z.infer<typeof settingsSchema>;
