// Pushes what the host agent and the port forwarder write (guest-status.json, ports.json) to
// front ends as engine events carrying the new content, so a page shows a boot step or a newly
// forwarded port as it happens, without asking again. The engine's instances watch
// (instances/watch.ts) notices the writes: both land by a rename into the instance's folder.
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import type { EngineEvent } from '../events.ts';
import type { InstancePorts } from './instance-ports.ts';
import { portsFileName } from './ports-file.ts';
import { guestStatusFileName, readGuestStatus } from './status.ts';

export type GuestFile = 'guest-status' | 'ports';

/** The files in an instance's folder that these events follow, by name. */
export const guestFiles: ReadonlyMap<string, GuestFile> = new Map([[guestStatusFileName, 'guest-status'], [portsFileName, 'ports']]);

export interface GuestEventSources {
  dir(name: string): string;
  /** The instance's forwards read against live facts (the engine's `ports`). */
  ports(name: string): Promise<InstancePorts>;
  emit(event: EngineEvent): void;
}

async function eventFor(sources: GuestEventSources, name: string, file: GuestFile): Promise<EngineEvent> {
  if (file === 'ports') return { type: 'ports-changed', name, ports: await sources.ports(name) };
  const guest = await readGuestStatus(sources.dir(name));
  return { type: 'guest-status', name, guest: guest ?? null };
}

/** Emits the event for a change of `file` in instance `name`'s folder. */
export function reportGuestFile(sources: GuestEventSources, name: string, file: GuestFile): void {
  eventFor(sources, name, file).then(sources.emit, (error: unknown) => {
    // A folder deleted meanwhile, a damaged file: said in the log, never an end of the front end.
    sources.emit({ type: 'driver-log', driver: 'engine', level: 'warn', message: `could not read the ${file} of "${name}" after a change: ${toDriverError(error).message}` });
  });
}
