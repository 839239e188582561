// The part of noVNC's RFB client (@novnc/novnc, shipped without types) the display view uses.
declare module '@novnc/novnc' {
  export interface RfbOptions {
    credentials?: { password?: string; username?: string; target?: string };
    wsProtocols?: string[];
    shared?: boolean;
  }
  /** What noVNC needs of a channel given instead of a URL (core/websock.js, rawChannelProps). */
  export interface RawChannel {
    binaryType: BinaryType;
    readonly protocol: string;
    readonly readyState: number | string;
    onopen: ((event: Event) => void) | null;
    onmessage: ((event: MessageEvent<ArrayBuffer>) => void) | null;
    onclose: ((event: CloseEvent) => void) | null;
    onerror: ((event: Event) => void) | null;
    send(data: ArrayBufferView): void;
    close(): void;
  }
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, urlOrChannel: string | RawChannel, options?: RfbOptions);
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
