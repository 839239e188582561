// The driver SDK's public surface: import from here in a driver.
export * from './errors.ts';
export * from './protocol.ts';
export * from './broker.ts';
export * from './link.ts';
export * from './streams.ts';
export * from './rpc.ts';
export * from './serve.ts';
export * from './progress.ts';
export * from './serial-console.ts';
export * from './kit/index.ts';
export * from './host-arch.ts';
export * from './lazy-schema.ts';
export * from './attached-streams.ts';
