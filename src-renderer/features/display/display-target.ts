// Where the embedded display's RFB stream goes, per shell: in the Electron window a channel
// over the preload bridge (main connects to the VNC server; the page's CSP allows no network),
// in the web shell this server's `/vnc/NAME` WebSocket, which relays to QEMU's WebSocket
// listener after the same token and Origin checks as /ws.
import { BridgeDisplayChannel } from '../../api/display-channel.ts';
import { electronBridge } from '../../api/electron.ts';
import { socket } from '../../api/index.ts';

export function displaySocketUrl(name: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/vnc/${encodeURIComponent(name)}`;
}

/** What noVNC's RFB constructor is given: a URL, or a WebSocket-like channel. Call once per connection. */
export function displayTarget(name: string): string | BridgeDisplayChannel {
  const bridge = electronBridge();
  return bridge ? new BridgeDisplayChannel(bridge, name, socket.connect()) : displaySocketUrl(name);
}

/** The web shell relays the VNC server's WebSocket listener; main relays its plain RFB port. */
export function needsWebSocketListener(): boolean {
  return electronBridge() === undefined;
}
