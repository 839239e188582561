// The embedded display over the Electron preload bridge: the page's noVNC talks RFB through
// main, which holds the TCP connection to the VNC server the driver reports. The Electron
// counterpart of the web shell's `/vnc/NAME` WebSocket relay (src-main/server/vnc-proxy.ts).
//
// Own messages on own IPC channels (bridgeChannels.displaySend / .display), not more members
// of the console's ClientMessage union: those are the web shell's JSON frames too, and VNC
// bytes travel here as Uint8Array, which Electron's IPC and contextBridge copy as they are
// (structured clone), with no base64 on a stream that carries screen updates.
import * as z from 'zod';
import { apiErrorSchema, nameRequestSchema } from './schemas.ts';

/** A display stream id, chosen by the page, unique per page load. */
const displayId = z.string().min(1).max(64);

/**
 * Most bytes one message may carry. noVNC flushes at most its 10 KiB send queue, and main
 * forwards one socket read at a time (64 KiB at most): anything bigger is not ours.
 */
export const maxDisplayChunk = 1 << 20;

const bytes = z.instanceof(Uint8Array).refine((data) => data.byteLength <= maxDisplayChunk, { message: `more than ${maxDisplayChunk} bytes` });

/** Page -> main. */
export const displayClientMessageSchema = z.discriminatedUnion('type', [
  /** Connect to the running instance's display (main asks the engine where it is). */
  z.object({ type: z.literal('display-open'), id: displayId, name: nameRequestSchema.shape.name }),
  /** RFB bytes for the VNC server. */
  z.object({ type: z.literal('display-write'), id: displayId, data: bytes }),
  /** Disconnect; main answers with display-ended once the connection is gone. */
  z.object({ type: z.literal('display-close'), id: displayId }),
]);

/** Main -> page. */
export const displayServerMessageSchema = z.discriminatedUnion('type', [
  /** The VNC server accepted the connection: RFB bytes follow. */
  z.object({ type: z.literal('display-opened'), id: displayId }),
  /** RFB bytes from the VNC server, in order. */
  z.object({ type: z.literal('display-data'), id: displayId, data: bytes }),
  /** The connection is gone (closed by the page, the guest stopped, a network error). */
  z.object({ type: z.literal('display-ended'), id: displayId, reason: z.string() }),
  /** The display could not be opened (no such instance, not running, no display, refused). */
  z.object({ type: z.literal('display-error'), id: displayId, error: apiErrorSchema }),
]);

export type DisplayClientMessage = z.infer<typeof displayClientMessageSchema>;
export type DisplayServerMessage = z.infer<typeof displayServerMessageSchema>;
