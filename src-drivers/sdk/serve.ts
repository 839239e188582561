// serveDriver(): the whole process side of the contract. A driver's entry point calls it
// once; it finds the pipe to the engine (Node fork IPC or Electron's parentPort), answers the
// handshake, validates every spec the engine sends, and exits when the engine is gone, so
// no driver process outlives the engine.
import { DriverError } from './errors.ts';
import { createLink } from './link.ts';
import type { Frame, Link } from './link.ts';
import { PROTOCOL_VERSION, driverSettingsSchema, instanceSpecSchema } from './protocol.ts';
import type { Driver, DriverEvent, DriverRpc, DriverSettings, Handshake, InstanceSpec, StopOptions } from './protocol.ts';
import { exposeOnLink } from './rpc.ts';
import { StreamHub } from './streams.ts';

/** What serveDriver() hands a driver when it is configured. */
export interface DriverContext {
  /** Byte streams to the engine (console output out, keystrokes in). */
  streams: StreamHub;
  /** Pushes an event to the engine, unprompted (a VM that stopped by itself, say). */
  emit(event: DriverEvent): void;
}

/** A driver implementation: its identity, and a factory for the configured driver. */
export interface DriverDefinition {
  describe(): Promise<Omit<Handshake, 'protocol'>>;
  configure(settings: DriverSettings, context: DriverContext): Promise<Driver>;
}

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

function parseSpec(spec: unknown): InstanceSpec {
  const parsed = instanceSpecSchema.safeParse(spec);
  if (!parsed.success) throw new DriverError('INVALID_CONFIG', `the engine sent a malformed instance spec: ${parsed.error.message}`);
  return parsed.data;
}

/** Wraps a definition in the RPC surface: handshake, configure-once, spec validation. */
export function driverRpc(definition: DriverDefinition, context: DriverContext): DriverRpc {
  let driver: Driver | undefined;
  const configured = (): Driver => {
    if (!driver) throw new DriverError('INVALID_STATE', 'the driver is not configured: call configure() after hello()');
    return driver;
  };
  return {
    async hello() {
      return { protocol: PROTOCOL_VERSION, ...(await definition.describe()) };
    },
    async configure(settings: DriverSettings) {
      if (driver) throw new DriverError('INVALID_STATE', 'configure() was already called');
      driver = await definition.configure(driverSettingsSchema.parse(settings), context);
    },
    validate: (spec) => configured().validate(parseSpec(spec)),
    create: (spec) => configured().create(parseSpec(spec)),
    delete: (spec) => configured().delete(parseSpec(spec)),
    clone: (source, target) => configured().clone(parseSpec(source), parseSpec(target)),
    resizeDisk: (spec) => configured().resizeDisk(parseSpec(spec)),
    start: (spec) => configured().start(parseSpec(spec)),
    stop: (spec, options: StopOptions) => configured().stop(parseSpec(spec), { force: options.force === true, timeoutMs: Number(options.timeoutMs) || 30_000 }),
    pause: (spec) => configured().pause(parseSpec(spec)),
    resume: (spec) => configured().resume(parseSpec(spec)),
    inspect: (spec) => configured().inspect(parseSpec(spec)),
    openConsole: (spec, streamId) => configured().openConsole(parseSpec(spec), String(streamId)),
    closeConsole: (streamId) => configured().closeConsole(String(streamId)),
    display: (spec) => configured().display(parseSpec(spec)),
    listSnapshots: (spec) => configured().listSnapshots(parseSpec(spec)),
    createSnapshot: (spec, tag) => configured().createSnapshot(parseSpec(spec), String(tag)),
    applySnapshot: (spec, tag) => configured().applySnapshot(parseSpec(spec), String(tag)),
    deleteSnapshot: (spec, tag) => configured().deleteSnapshot(parseSpec(spec), String(tag)),
  };
}

/** Serves `definition` to the engine that started this process. Call once from the entry point. */
export function serveDriver(definition: DriverDefinition): void {
  const link = connectToEngine();
  const context: DriverContext = {
    streams: new StreamHub(link),
    emit: (event) => link.post({ ch: 'event', event }),
  };
  exposeOnLink(driverRpc(definition, context), link);
}
