// The page's single CorralApi, over this server's WebSocket and HTTP calls.
import { webApi } from './client.ts';
import { EngineSocket } from './socket.ts';

export const socket = new EngineSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
export const api = webApi(socket);
