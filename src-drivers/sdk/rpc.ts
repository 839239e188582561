// Comlink over a link, with errors that keep their type. Comlink's own "throw" handler keeps
// only name, message and stack; this one sends a DriverError's code and details too and
// throws a DriverError on the calling side. Both ends install it by importing this module.
import * as Comlink from 'comlink';
import type { Remote } from 'comlink';
import { DriverError, isSerializedError, toDriverError } from './errors.ts';
import type { SerializedError } from './errors.ts';
import { rpcEndpoint } from './link.ts';
import type { Link, RpcChannel } from './link.ts';

const builtinThrow = Comlink.transferHandlers.get('throw');
if (!builtinThrow) throw new Error('comlink: no built-in throw handler (unsupported comlink version)');

Comlink.transferHandlers.set('throw', {
  canHandle: builtinThrow.canHandle,
  serialize(thrown: unknown) {
    const value = (thrown as { value: unknown }).value;
    const serialized: SerializedError = toDriverError(value).toJSON();
    return [serialized, []];
  },
  deserialize(serialized: unknown): never {
    if (isSerializedError(serialized)) throw new DriverError(serialized.code, serialized.message, serialized.details);
    throw new DriverError('INTERNAL', `malformed error from the other side: ${JSON.stringify(serialized)}`);
  },
});

export function exposeOnLink(target: object, link: Link, channel: RpcChannel = 'rpc'): void {
  Comlink.expose(target, rpcEndpoint(link, channel));
}

export function wrapLink<T>(link: Link, channel: RpcChannel = 'rpc'): Remote<T> {
  return Comlink.wrap<T>(rpcEndpoint(link, channel));
}

export type { Remote };
