// libvirt's domain states, as `virsh domstate --reason` prints them ("running (booted)",
// "paused (user)", "shut off (destroyed)"), in Corral's terms; and the snapshot table of
// `virsh snapshot-list`. Pure parsing, unit-tested against virsh's real output.
import type { VmState } from '../sdk/index.ts';

export interface DomainState {
  /** libvirt's state word(s): 'running', 'paused', 'shut off', 'in shutdown', 'crashed', ... */
  state: string;
  /** libvirt's reason, e.g. 'booted', 'user', 'destroyed'; '' when virsh gave none. */
  reason: string;
}

/** Parses `virsh domstate --reason` output: "STATE (REASON)" or "STATE". */
export function parseDomstate(output: string): DomainState {
  const line = output.split('\n').map((l) => l.trim()).find(Boolean);
  if (!line) throw new Error('virsh domstate printed nothing');
  const match = /^(.*?)\s*(?:\((.*)\))?$/.exec(line);
  return { state: (match?.[1] ?? line).toLowerCase(), reason: (match?.[2] ?? '').toLowerCase() };
}

export interface MappedState {
  state: VmState;
  reason?: string;
}

/** Whether QEMU is there at all (any state but shut off). */
export const isActive = (s: DomainState): boolean => s.state !== 'shut off';

/** `starting`: this driver process is starting the domain right now. */
export function mapDomainState(s: DomainState, starting = false): MappedState {
  switch (s.state) {
    case 'running':
    case 'idle':
    case 'blocked':
      return { state: 'Running' };
    case 'paused':
      switch (s.reason) {
        case 'user':
        case 'unknown':
        case '':
        case 'from snapshot':
          return { state: 'Paused' };
        case 'creating snapshot':
        case 'snapshot':
          return { state: 'Running', reason: 'taking a snapshot' };
        case 'starting up':
          return starting ? { state: 'Starting' } : { state: 'Starting', reason: 'libvirt is starting the domain' };
        case 'shutting down':
          return { state: 'Stopping', reason: 'the guest is shutting down' };
        case 'i/o error':
          return { state: 'Broken', reason: 'the guest is paused after a disk I/O error (is the host disk full?)' };
        case 'watchdog':
          return { state: 'Broken', reason: 'the guest watchdog fired' };
        case 'api error':
          return { state: 'Broken', reason: 'libvirt paused the guest after an error; see libvirt\'s log for the domain' };
        default:
          return { state: 'Paused', reason: `paused by libvirt (${s.reason})` };
      }
    case 'in shutdown':
    case 'dying':
      return { state: 'Stopping' };
    case 'shut off':
      return { state: 'Stopped' };
    case 'crashed':
      return { state: 'Broken', reason: `the guest crashed (${s.reason || 'unknown'}); stop it with force` };
    case 'pmsuspended':
      return { state: 'Paused', reason: 'the guest suspended itself (ACPI S3)' };
    default:
      return { state: 'Broken', reason: `libvirt reports the unexpected state "${s.state}${s.reason ? ` (${s.reason})` : ''}"` };
  }
}

export interface SnapshotRow {
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** libvirt's snapshot state: 'running', 'paused', 'shutoff', 'disk-snapshot', ... */
  state: string;
}

/**
 * Parses `virsh snapshot-list DOMAIN` (a table: Name, Creation Time, State). The creation
 * time has a fixed shape, so a name with spaces in it is still read whole.
 */
export function parseSnapshotList(output: string): SnapshotRow[] {
  const rows: SnapshotRow[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(.+?)\s+(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})\s+(\S+)\s*$/.exec(line);
    if (!match) continue; // the header, the rule under it, blank lines
    const [, name, date, time, zoneHours, zoneMinutes, state] = match as unknown as [string, string, string, string, string, string, string];
    rows.push({ name, createdAt: new Date(`${date}T${time}${zoneHours}:${zoneMinutes}`).toISOString(), state });
  }
  return rows;
}

/** What a lifecycle event line of `virsh event --event lifecycle --loop` says. */
export interface LifecycleEvent {
  domain: string;
  /** 'Started', 'Stopped', 'Suspended', 'Resumed', 'Shutdown', 'Defined', 'Undefined', ... */
  event: string;
  /** The detail, e.g. 'Shutdown', 'Destroyed', 'Crashed', 'Snapshot'. */
  detail: string;
}

export function parseLifecycleEvent(line: string): LifecycleEvent | undefined {
  const match = /event 'lifecycle' for domain '(.*)': (\S+)(?: (.*))?$/.exec(line.trim());
  if (!match) return undefined;
  return { domain: match[1] ?? '', event: match[2] ?? '', detail: (match[3] ?? '').trim() };
}
