// The part of noVNC's RFB client (@novnc/novnc, shipped without types) the display view uses.
declare module '@novnc/novnc' {
  export interface RfbOptions {
    credentials?: { password?: string; username?: string; target?: string };
    wsProtocols?: string[];
    shared?: boolean;
  }
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, urlOrChannel: string | WebSocket, options?: RfbOptions);
    scaleViewport: boolean;
    resizeSession: boolean;
    viewOnly: boolean;
    focusOnClick: boolean;
    background: string;
    disconnect(): void;
    sendCtrlAltDel(): void;
    sendCredentials(credentials: { password?: string }): void;
    clipboardPasteFrom(text: string): void;
    focus(): void;
  }
}
