// The page's single CorralApi. The transport is picked at run time: the Electron preload
// bridge when `window.corral` exists, else this server's WebSocket and HTTP calls.
import type { EngineChannel } from './channel.ts';
import type { BundleSource } from '../../src-main/api/contract.ts';
import { httpCall, uploadBundle, uploadTemplate, webApi } from './client.ts';
import { BridgeChannel, bridgeCall, electronBridge } from './electron.ts';
import { EngineSocket } from './socket.ts';

const bridge = electronBridge();

export const socket: EngineChannel = bridge
  ? new BridgeChannel(bridge)
  : new EngineSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
export const api = webApi(socket, bridge ? bridgeCall(bridge) : httpCall);

/**
 * Makes a dropped driver bundle reachable by the engine: in Electron the file is on the
 * engine's disk already (its path comes from the preload); the web shell uploads it.
 */
export async function stageDriverBundle(file: File): Promise<BundleSource> {
  if (!bridge) return uploadBundle(file);
  const path = bridge.pathForFile(file);
  if (!path) throw new Error(`${file.name} is not a file on this computer; save it to disk and drop it again`);
  return { path };
}

/** The native open dialog for a template file: Electron only (the web shell uploads one, or takes a typed path). */
export const pickTemplateFile: (() => Promise<string | null>) | undefined = bridge ? () => bridge.pickFile('template') : undefined;

/** Sends a chosen template file to the engine: the web shell only (Electron picks by path). */
export const uploadTemplateFile: ((file: File) => Promise<string>) | undefined = bridge ? undefined : uploadTemplate;
