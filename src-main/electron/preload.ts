// The sandboxed preload: exposes `window.corral` (CorralBridge) and nothing else. It is
// bundled into ONE CommonJS file (dist/electron/preload.cjs) because a sandboxed preload may
// require only a few Electron modules, no files and no packages. Everything leaving the page
// is parsed here with the API's schemas, and everything arriving from main too; main parses
// the page's messages again (the authoritative check).
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import * as z from 'zod';
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import { checkCall } from '../api/dispatch.ts';
import type { ServerMessage } from '../api/contract.ts';
import { bridgeChannels, bridgeKeys, desktopNotificationSchema, invokeReplySchema, invokeRequestSchema, pickFileReplySchema, pickFileRequestSchema } from '../api/bridge.ts';
import type { CorralBridge } from '../api/bridge.ts';
import { displayClientMessageSchema, displayServerMessageSchema } from '../api/display-messages.ts';
import type { DisplayServerMessage } from '../api/display-messages.ts';
import { clientMessageSchema, serverMessageSchema } from '../api/schemas.ts';

// zod's JIT compiles validators with `new Function`; the page's CSP forbids eval, so don't.
z.config({ jitless: true });

const listeners = new Set<(message: ServerMessage) => void>();
const displayListeners = new Set<(message: DisplayServerMessage) => void>();

ipcRenderer.on(bridgeChannels.message, (_event, raw: unknown) => {
  const parsed = serverMessageSchema.safeParse(raw);
  if (!parsed.success) return console.error('corral: dropped a malformed message from the engine');
  for (const listener of listeners) listener(parsed.data);
});

ipcRenderer.on(bridgeChannels.display, (_event, raw: unknown) => {
  const parsed = displayServerMessageSchema.safeParse(raw);
  if (!parsed.success) return console.error('corral: dropped a malformed display message from the engine');
  for (const listener of displayListeners) listener(parsed.data);
});

const bridge: CorralBridge = {
  async invoke(method, payload) {
    const request = invokeRequestSchema.parse({ method, payload });
    if (request.method !== 'connect') {
      // The method table's request check (notify: its own), before anything leaves the page (main checks again).
      try {
        if (request.method === 'notify') desktopNotificationSchema.parse(request.payload);
        else checkCall(request.method, request.payload ?? {});
      } catch (error) {
        return { ok: false, error: toDriverError(error).toJSON() };
      }
    }
    return invokeReplySchema.parse(await ipcRenderer.invoke(bridgeChannels.invoke, request));
  },
  send(message) {
    ipcRenderer.send(bridgeChannels.send, clientMessageSchema.parse(message));
  },
  onMessage(listener) {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
  // Pages no longer see a dropped file's path (File.path is gone since Electron 32); the
  // preload may ask, and only for a File the page really holds.
  pathForFile(file) {
    return webUtils.getPathForFile(file);
  },
  sendDisplay(message) {
    ipcRenderer.send(bridgeChannels.displaySend, displayClientMessageSchema.parse(message));
  },
  onDisplayMessage(listener) {
    displayListeners.add(listener);
    return () => {
      displayListeners.delete(listener);
    };
  },
  async pickFile(kind) {
    return pickFileReplySchema.parse(await ipcRenderer.invoke(bridgeChannels.pickFile, pickFileRequestSchema.parse({ kind })));
  },
};

// Exactly the listed names, whatever else the object may grow.
contextBridge.exposeInMainWorld('corral', Object.fromEntries(bridgeKeys.map((key) => [key, bridge[key]])));
