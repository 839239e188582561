// Wires the router (router.ts: sender check + zod + engine), the file dialog (file-picker.ts)
// and desktop notifications to ipcMain. Only the bridge's page-to-main channels are listened to; the router refuses anything not from the app's own frame.
import { BrowserWindow, Notification, dialog, ipcMain } from 'electron';
import type { CorralApi } from '../api/contract.ts';
import { bridgeChannels } from '../api/bridge.ts';
import { createIpcRouter } from './router.ts';
import { pickFile } from './file-picker.ts';

export function registerIpc(api: CorralApi): () => void {
  const router = createIpcRouter(api, undefined, ({ title, body }) => {
    if (Notification.isSupported()) new Notification({ title, body }).show();
  });
  ipcMain.handle(bridgeChannels.invoke, (event, raw: unknown) => router.invoke(event.senderFrame, event.sender, raw));
  ipcMain.on(bridgeChannels.send, (event, raw: unknown) => router.send(event.senderFrame, event.sender, raw));
  ipcMain.on(bridgeChannels.displaySend, (event, raw: unknown) => router.sendDisplay(event.senderFrame, event.sender, raw));
  ipcMain.handle(bridgeChannels.pickFile, (event, raw: unknown) => pickFile(event.senderFrame, raw, (options) => {
    const window = BrowserWindow.fromWebContents(event.sender);
    return window ? dialog.showOpenDialog(window, options) : dialog.showOpenDialog(options);
  }));
  return () => {
    ipcMain.removeHandler(bridgeChannels.pickFile);
    ipcMain.removeHandler(bridgeChannels.invoke);
    ipcMain.removeAllListeners(bridgeChannels.send);
    ipcMain.removeAllListeners(bridgeChannels.displaySend);
    router.close();
  };
}
