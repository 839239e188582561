// The native open dialog behind the bridge's pickFile: only for the app's own frame, only for
// the kinds of file the page may ask for, answering a path or null. No run-time `electron`
// import: ipc.ts passes Electron's dialog in, file-picker.test.ts a stand-in.
import { pickFileRequestSchema } from '../api/bridge.ts';
import { senderAllowed } from './security.ts';
import type { SenderFrame } from './security.ts';

export interface OpenDialogOptions {
  title: string;
  properties: ['openFile'];
  filters: { name: string; extensions: string[] }[];
}

export type ShowOpenDialog = (options: OpenDialogOptions) => Promise<{ canceled: boolean; filePaths: string[] }>;

const dialogs: Record<'template', OpenDialogOptions> = {
  template: { title: 'Choose a Lima template', properties: ['openFile'], filters: [{ name: 'Lima template', extensions: ['yaml', 'yml'] }, { name: 'All files', extensions: ['*'] }] },
};

/** The picked path, or null (cancelled, a refused sender, or a request that does not parse). */
export async function pickFile(frame: SenderFrame | null, raw: unknown, show: ShowOpenDialog, warn: (message: string) => void = (m) => console.warn(m)): Promise<string | null> {
  if (!senderAllowed(frame)) {
    warn(`corral: refused a file dialog for ${frame?.url ?? 'a gone frame'}`);
    return null;
  }
  const request = pickFileRequestSchema.safeParse(raw);
  if (!request.success) {
    warn('corral: refused a malformed file dialog request');
    return null;
  }
  const answer = await show(dialogs[request.data.kind]);
  return answer.canceled ? null : answer.filePaths[0] ?? null;
}
