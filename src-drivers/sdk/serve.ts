// serveDriver(): the whole process side of the contract. A driver's entry point calls it
// once; it finds the pipe to the engine (Node fork IPC or Electron's parentPort), answers the
// handshake, reads every argument the engine sends as the wire table in protocol.ts says, and
// exits when the engine is gone, so no driver process outlives the engine.
import { spawnRequestSchema, spawnedSchema } from './broker.ts';
import type { EngineServices } from './broker.ts';
import { DriverError } from './errors.ts';
import { createLink } from './link.ts';
import type { Frame, Link } from './link.ts';
import { PROTOCOL_VERSION, driverMethodNames, driverMethods, driverSettingsSchema } from './protocol.ts';
import type { Driver, DriverContext, DriverDefinition, DriverRpc, DriverSettingsSent, MethodWire, WireArg } from './protocol.ts';
import { exposeOnLink, wrapLink } from './rpc.ts';
import { transferProgress } from './progress.ts';
import { StreamHub } from './streams.ts';

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  off(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/** The pipe to the engine: Electron's parentPort in a utility process, else fork IPC. */
export function connectToEngine(): Link {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  const report = (problem: string) => process.stderr.write(`driver: ${problem}\n`);
  if (parentPort) {
    return createLink((frame) => parentPort.postMessage(frame), (deliver) => {
      const listener = (event: { data: unknown }) => deliver(event.data);
      parentPort.on('message', listener);
      return () => parentPort.off('message', listener);
    }, report);
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveDriver: not started by Corral (no IPC channel to the engine)');
  // The engine going away closes the IPC channel: leave with it.
  process.on('disconnect', () => process.exit(0));
  return createLink((frame: Frame) => { send(frame); }, (deliver) => {
    process.on('message', deliver);
    return () => process.off('message', deliver);
  }, report);
}

/** Reads one argument as the wire table says; a malformed one is refused before the driver sees it. */
function parseArg<T>(arg: WireArg<T>, raw: unknown): T {
  const parsed = arg.schema().safeParse(raw);
  if (!parsed.success) throw new DriverError('INVALID_CONFIG', `the engine sent a malformed ${arg.what}: ${parsed.error.message}`);
  return parsed.data;
}

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** Wraps a definition in the RPC surface: handshake, configure-once, and every method of the wire table with its arguments parsed. */
export function driverRpc(definition: DriverDefinition, context: DriverContext): DriverRpc {
  let driver: Driver | undefined;
  const configured = (): Driver => {
    if (!driver) throw new DriverError('INVALID_STATE', 'the driver is not configured: call configure() after hello()');
    return driver;
  };
  const dispatch = (name: keyof Driver): AnyMethod => {
    const wire = driverMethods[name] as MethodWire<keyof Driver>;
    return async (...raw) => {
      const target = configured();
      const args = (wire.args as WireArg<unknown>[]).map((arg, i) => parseArg(arg, raw[i]));
      return (target[name] as AnyMethod).apply(target, args);
    };
  };
  const methods = Object.fromEntries(driverMethodNames.map((name) => [name, dispatch(name)])) as unknown as Driver;
  return {
    async hello() {
      return { protocol: PROTOCOL_VERSION, ...(await definition.describe()) };
    },
    async configure(settings: DriverSettingsSent) {
      if (driver) throw new DriverError('INVALID_STATE', 'configure() was already called');
      driver = await definition.configure(driverSettingsSchema().parse(settings), context);
    },
    ...methods,
  };
}

/**
 * The engine's services as the driver calls them, on the link's "host" channel: requests are
 * checked before they leave (a malformed one fails here, naming the field), answers after.
 */
export function engineServices(link: Link): EngineServices {
  const remote = wrapLink<EngineServices>(link, 'host');
  return {
    async spawn(request) {
      const sent = spawnRequestSchema().safeParse(request);
      if (!sent.success) throw new DriverError('INVALID_CONFIG', `malformed broker request: ${sent.error.message}`);
      const answer = spawnedSchema().safeParse(await remote.spawn(sent.data));
      if (!answer.success) throw new DriverError('INTERNAL', `the engine sent a malformed broker answer: ${answer.error.message}`);
      return answer.data;
    },
  };
}

/** Serves `definition` to the engine that started this process. Call once from the entry point. */
export function serveDriver(definition: DriverDefinition): void {
  const link = connectToEngine();
  const context: DriverContext = {
    streams: new StreamHub(link),
    emit: (event) => link.post({ ch: 'event', event }),
    progress: (subject) => transferProgress(context.emit, subject),
    engine: engineServices(link),
  };
  exposeOnLink(driverRpc(definition, context), link);
}
