// The driver kit: what every driver would otherwise write again. Import it from the SDK.
export * from './transitions.ts';
export * from './stop.ts';
export * from './validate.ts';
export * from './watched-vms.ts';
export * from './unsupported.ts';
export * from './files.ts';
export * from './process-stats.ts';
export * from './stats-streams.ts';
