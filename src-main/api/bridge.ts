// The Electron preload bridge (`window.corral`): the same CorralApi wire format as the web
// shell, carried over Electron IPC instead of HTTP + WebSocket. Calls are one invoke
// (method + payload, answered with the web shell's {ok, value} | {ok, error}); events and
// console streams are the WebSocket's ClientMessage / ServerMessage frames, multiplexed on
// one pair of IPC channels. The call methods are the table's (methods.ts): one set of checks
// for both shells.
// The embedded display has a pair of its own (display-messages.ts): binary RFB bytes.
//
// The preload parses with these schemas before anything leaves the page, and the main
// process parses again (a compromised renderer can skip the preload's checks, never main's).
import * as z from 'zod';
import type { ClientMessage, ServerMessage } from './contract.ts';
import type { DisplayClientMessage, DisplayServerMessage } from './display-messages.ts';
import { callMethods } from './methods.ts';
import type { CallMethod } from './methods.ts';
import { callResponseSchema } from './schemas.ts';

/** IPC channel names; nothing else is listened to. */
export const bridgeChannels = {
  /** renderer -> main, answered: an API call or `connect`. */
  invoke: 'corral:invoke',
  /** renderer -> main, one-way: console-open / console-write / console-close. */
  send: 'corral:send',
  /** main -> renderer: events and console frames (ServerMessage). */
  message: 'corral:message',
  /** renderer -> main, one-way: display-open / display-write / display-close. */
  displaySend: 'corral:display-send',
  /** main -> renderer: display frames (DisplayServerMessage). */
  display: 'corral:display',
  /** renderer -> main, answered: the native open dialog for a file the engine should read. */
  pickFile: 'corral:pick-file',
} as const;

/** What the page may ask the native open dialog for: a Lima template file. */
export const pickFileRequestSchema = z.object({ kind: z.enum(['template']) });
export type PickFileKind = z.infer<typeof pickFileRequestSchema>['kind'];
/** The picked file's path, or null when the user cancelled. */
export const pickFileReplySchema = z.string().min(1).nullable();

/**
 * `connect` starts this page's session: events begin to flow, and a session left over from
 * an earlier load of the same window (a reload) is closed with its consoles.
 */
export const bridgeMethods = [...callMethods, 'connect', 'notify'] as const;
export type BridgeMethod = CallMethod | 'connect' | 'notify';

/**
 * `notify`: a desktop notification the page asks for (a VM stopped unasked, a download ended,
 * provisioning failed); main shows it with Electron's Notification. Text only, bounded.
 */
export const desktopNotificationSchema = z.strictObject({ title: z.string().min(1).max(200), body: z.string().max(1000) });
export type DesktopNotification = z.infer<typeof desktopNotificationSchema>;

export const invokeRequestSchema = z.object({
  method: z.enum(bridgeMethods),
  /** Checked per method by the main process with the method table's request schemas (methods.ts). */
  payload: z.unknown().optional(),
});
export type InvokeRequest = z.infer<typeof invokeRequestSchema>;

export const invokeReplySchema = callResponseSchema;
export type InvokeReply = z.infer<typeof invokeReplySchema>;

/** What the preload exposes as `window.corral`. Functions only: nothing the page can mutate. */
export interface CorralBridge {
  invoke(method: BridgeMethod, payload?: unknown): Promise<InvokeReply>;
  send(message: ClientMessage): void;
  /** Events and console frames from the engine. Returns an unsubscribe. */
  onMessage(listener: (message: ServerMessage) => void): () => void;
  /** The path of a file dropped on the page (Electron's webUtils.getPathForFile); '' for one not on disk. */
  pathForFile(file: File): string;
  /** The embedded display's RFB stream (noVNC), relayed by main to the VNC server. */
  sendDisplay(message: DisplayClientMessage): void;
  /** Display frames from main. Returns an unsubscribe. */
  onDisplayMessage(listener: (message: DisplayServerMessage) => void): () => void;
  /** The native open dialog (create dialog's "From file…"): the picked path, or null if cancelled. */
  pickFile(kind: PickFileKind): Promise<string | null>;
}

/**
 * The names `window.corral` has, in one place: the preload exposes exactly these, and the
 * tests (src-main/electron/renderer-bridge.test.ts, e2e/electron/app.test.ts) check that the
 * page sees exactly these.
 */
export const bridgeKeys = ['invoke', 'onDisplayMessage', 'onMessage', 'pathForFile', 'pickFile', 'send', 'sendDisplay'] as const satisfies readonly (keyof CorralBridge)[];

// Fails to compile when CorralBridge gains a member that is not listed above.
const everyMemberListed: Exclude<keyof CorralBridge, (typeof bridgeKeys)[number]> extends never ? true : never = true;
void everyMemberListed;
