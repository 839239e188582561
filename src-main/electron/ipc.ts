// Wires the router (router.ts: sender check + zod + engine) to ipcMain. Only the bridge's three
// page-to-main channels are listened to; the router refuses anything not from the app's own frame.
import { Notification, ipcMain } from 'electron';
import type { CorralApi } from '../api/contract.ts';
import { bridgeChannels } from '../api/bridge.ts';
import { createIpcRouter } from './router.ts';

export function registerIpc(api: CorralApi): () => void {
  const router = createIpcRouter(api, undefined, ({ title, body }) => {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  });
  ipcMain.handle(bridgeChannels.invoke, (event, raw: unknown) => router.invoke(event.senderFrame, event.sender, raw));
  ipcMain.on(bridgeChannels.send, (event, raw: unknown) => router.send(event.senderFrame, event.sender, raw));
  ipcMain.on(bridgeChannels.displaySend, (event, raw: unknown) => router.sendDisplay(event.senderFrame, event.sender, raw));
  return () => {
    ipcMain.removeHandler(bridgeChannels.invoke);
    ipcMain.removeAllListeners(bridgeChannels.send);
    ipcMain.removeAllListeners(bridgeChannels.displaySend);
    router.close();
  };
}
