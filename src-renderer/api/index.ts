// The page's single CorralApi. The transport is picked at run time: the Electron preload
// bridge when `window.corral` exists, else this server's WebSocket and HTTP calls.
import type { EngineChannel } from './channel.ts';
import { httpCall, webApi } from './client.ts';
import { BridgeChannel, bridgeCall, electronBridge } from './electron.ts';
import { EngineSocket } from './socket.ts';

const bridge = electronBridge();

export const socket: EngineChannel = bridge
  ? new BridgeChannel(bridge)
  : new EngineSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
export const api = webApi(socket, bridge ? bridgeCall(bridge) : httpCall);
