// The names of the drivers built into Corral, in a module of their own: the registry makes
// their entries from it, and the CLI's quick list (instances/live-list.ts) reads it without
// loading the registry and its driver host.
export const qemuDriverName = 'qemu';

/** The drivers built into Corral: their VMs run on this host, so their run records can be checked here. */
export const builtinDriverNames: ReadonlySet<string> = new Set([qemuDriverName]);
