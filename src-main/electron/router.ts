// Every IPC message from a renderer passes through here: the sender check first (the app's
// own top-level frame, see security.ts), then the zod parse (the envelope here, the request
// with the method table's schema in api/dispatch.ts, as the web shell does), then the engine. One session
// per page (webContents), replaced when the page connects again after a reload and closed
// when the page goes away. No run-time `electron` import: ipc.ts wires it to ipcMain, and
// router.test.ts drives it with plain objects.
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import type { CorralApi, ServerMessage } from '../api/contract.ts';
import { dispatchCall } from '../api/dispatch.ts';
import { bridgeChannels, invokeRequestSchema } from '../api/bridge.ts';
import type { DesktopNotification, InvokeReply } from '../api/bridge.ts';
import { showNotification } from './notify.ts';
import type { DisplayServerMessage } from '../api/display-messages.ts';
import { senderAllowed } from './security.ts';
import type { SenderFrame } from './security.ts';
import { openSession } from './session.ts';
import type { RendererSession } from './session.ts';

/** The part of Electron's WebContents the router uses. */
export interface RendererContents {
  readonly id: number;
  send(channel: string, message: ServerMessage | DisplayServerMessage): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcRouter {
  invoke(frame: SenderFrame | null, contents: RendererContents, raw: unknown): Promise<InvokeReply>;
  send(frame: SenderFrame | null, contents: RendererContents, raw: unknown): void;
  /** A display frame (display-relay.ts): same sender check, and only this page's displays. */
  sendDisplay(frame: SenderFrame | null, contents: RendererContents, raw: unknown): void;
  /** Ends every session (app quit). */
  close(): void;
}

const refused: InvokeReply = { ok: false, error: { code: 'INVALID_STATE', message: 'refused: the message did not come from the Corral window', details: {} } };

export function createIpcRouter(api: CorralApi, warn: (message: string) => void = (m) => console.warn(m), notify: (notification: DesktopNotification) => void = () => undefined): IpcRouter {
  const sessions = new Map<number, RendererSession>();
  const watched = new Set<number>();

  const connect = (contents: RendererContents): void => {
    sessions.get(contents.id)?.close(); // a reload: the old page's consoles and events end
    sessions.set(contents.id, openSession(api, (message) => {
      if (!contents.isDestroyed()) contents.send(bridgeChannels.message, message);
    }, (message) => {
      if (!contents.isDestroyed()) contents.send(bridgeChannels.display, message);
    }));
    if (!watched.has(contents.id)) {
      watched.add(contents.id);
      contents.once('destroyed', () => {
        sessions.get(contents.id)?.close();
        sessions.delete(contents.id);
        watched.delete(contents.id);
      });
    }
  };

  return {
    async invoke(frame, contents, raw) {
      if (!senderAllowed(frame)) {
        warn(`corral: refused an IPC call from ${frame?.url ?? 'a gone frame'}`);
        return refused;
      }
      const request = invokeRequestSchema.safeParse(raw);
      if (!request.success) {
        return { ok: false, error: { code: 'INVALID_CONFIG', message: `bad request: ${request.error.issues[0]?.message ?? 'invalid'}`, details: {} } };
      }
      const { method, payload } = request.data;
      if (method === 'connect') {
        connect(contents);
        return { ok: true, value: null };
      }
      if (method === 'notify') return showNotification(payload, notify);
      try {
        return { ok: true, value: await dispatchCall(api, method, payload ?? {}) };
      } catch (error) {
        return { ok: false, error: toDriverError(error).toJSON() };
      }
    },
    send(frame, contents, raw) {
      if (!senderAllowed(frame)) return warn(`corral: refused an IPC message from ${frame?.url ?? 'a gone frame'}`);
      const session = sessions.get(contents.id);
      if (!session) return warn('corral: dropped a console message sent before connect');
      if (!session.receive(raw)) warn('corral: dropped a malformed console message');
    },
    sendDisplay(frame, contents, raw) {
      if (!senderAllowed(frame)) return warn(`corral: refused a display message from ${frame?.url ?? 'a gone frame'}`);
      // The session of the sending page: a page reaches only the displays it opened itself.
      const session = sessions.get(contents.id);
      if (!session) return warn('corral: dropped a display message sent before connect');
      if (!session.receiveDisplay(raw)) warn('corral: dropped a malformed display message');
    },
    close() {
      for (const session of sessions.values()) session.close();
      sessions.clear();
    },
  };
}
