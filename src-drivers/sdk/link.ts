// A link is the one message pipe between the engine and a driver process: Node's fork IPC,
// or Electron's parentPort / MessagePortMain. It carries multiplexed frames: Comlink RPC on
// one channel, byte streams and driver events on others, so streams never ride RPC calls.
import * as z from 'zod';
import type { Endpoint } from 'comlink';

const channelSchemas = {
  rpc: z.object({ ch: z.literal('rpc'), msg: z.unknown() }),
  stream: z.object({
    ch: z.literal('stream'), id: z.string(), data: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'bytes').optional(), end: z.boolean().optional(),
    /** The receiver has passed on this many more bytes of the stream (see StreamHub: input pacing). */
    ack: z.number().int().nonnegative().optional(),
  }),
  event: z.object({ ch: z.literal('event'), event: z.unknown() }),
  /** Calls the other way: the driver calls the engine's services (broker.ts). */
  host: z.object({ ch: z.literal('host'), msg: z.unknown() }),
};
export const frameSchema = z.discriminatedUnion('ch', [channelSchemas.rpc, channelSchemas.stream, channelSchemas.event, channelSchemas.host]);
export type Frame = z.infer<typeof frameSchema>;

/** Validates one incoming frame. Dispatching on `ch` first keeps this cheap on the hot path. */
function parseFrame(raw: unknown): { success: true; data: Frame } | { success: false; error: { message: string } } {
  const ch = (raw as { ch?: unknown } | null)?.ch;
  const schema = typeof ch === 'string' && Object.hasOwn(channelSchemas, ch) ? channelSchemas[ch as keyof typeof channelSchemas] : undefined;
  if (!schema) return { success: false, error: { message: `unknown channel ${JSON.stringify(ch)}` } };
  return schema.safeParse(raw);
}

export interface Link {
  post(frame: Frame): void;
  /** Subscribes to incoming frames; returns the unsubscribe function. */
  onFrame(listener: (frame: Frame) => void): () => void;
}

/**
 * Builds a Link from any message pipe, validating what arrives: a frame of unknown shape is
 * reported through `onInvalid` and dropped, never dispatched.
 */
export function createLink(
  send: (frame: Frame) => void,
  subscribe: (deliver: (raw: unknown) => void) => () => void,
  onInvalid: (problem: string) => void = () => undefined,
): Link {
  const listeners = new Set<(frame: Frame) => void>();
  let unsubscribe: (() => void) | undefined;
  return {
    post: send,
    onFrame(listener) {
      listeners.add(listener);
      unsubscribe ??= subscribe((raw) => {
        const parsed = parseFrame(raw);
        if (!parsed.success) return onInvalid(`invalid frame: ${parsed.error.message}`);
        for (const l of listeners) l(parsed.data);
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && unsubscribe) { unsubscribe(); unsubscribe = undefined; }
      };
    },
  };
}

type MessageListener = (event: { data: unknown }) => void;

/** An RPC channel of the link: "rpc" (the engine calls the driver) or "host" (the driver calls the engine). */
export type RpcChannel = 'rpc' | 'host';

/** One RPC channel of the link as a Comlink endpoint. */
export function rpcEndpoint(link: Link, channel: RpcChannel = 'rpc'): Endpoint {
  const listeners = new Map<unknown, () => void>();
  return {
    postMessage(msg: unknown) {
      link.post({ ch: channel, msg });
    },
    addEventListener(_type: string, listener: unknown) {
      const deliver = typeof listener === 'function'
        ? (listener as MessageListener)
        : (event: { data: unknown }) => (listener as { handleEvent: MessageListener }).handleEvent(event);
      listeners.set(listener, link.onFrame((frame) => {
        if (frame.ch === channel) deliver({ data: frame.msg });
      }));
    },
    removeEventListener(_type: string, listener: unknown) {
      listeners.get(listener)?.();
      listeners.delete(listener);
    },
  };
}
