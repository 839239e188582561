// Internal qcow2 snapshots through libvirt (virsh snapshot-create-as / -list / -revert /
// -delete). Running or paused: memory and devices too (libvirt has QEMU save the VM state
// into the qcow2); stopped: the disk only. libvirt keeps each snapshot's metadata, including
// the domain XML of the moment it was taken, which is what a revert restarts QEMU with.
import { DriverError } from '../sdk/index.ts';
import type { Snapshot } from '../sdk/index.ts';
import type { DomainIdentity } from './domain.ts';
import type { InstancePaths } from './paths.ts';
import { qcow2Snapshots } from './qcow2.ts';
import { parseSnapshotList } from './state.ts';
import type { SnapshotRow } from './state.ts';
import { DOCUMENT } from './virsh.ts';
import type { Virsh } from './virsh.ts';
import { child, children, escapeXml, parseXml } from './xml.ts';

/** A letter first, then letters, digits, '.', '_', '-': the same names the QEMU driver takes. */
export const snapshotTagPattern = /^[A-Za-z][A-Za-z0-9._-]{0,62}$/;

/** Saving a running guest's RAM takes seconds under TCG, more for a large guest. */
const SNAPSHOT_TIMEOUT_MS = 300_000;

export function assertSnapshotTag(tag: string): void {
  if (!snapshotTagPattern.test(tag)) {
    throw new DriverError('INVALID_NAME',
      `invalid snapshot name "${tag}": use up to 63 letters, digits, ".", "_" and "-", starting with a letter`, { tag });
  }
}

/** Whether the snapshot holds memory (taken while the VM ran or was paused). */
const holdsMemory = (row: SnapshotRow): boolean => row.state === 'running' || row.state === 'paused';

export interface SnapshotTarget {
  virsh: Virsh;
  instance: string;
  identity: DomainIdentity;
  paths: InstancePaths;
  /** Whether QEMU runs (or is paused) right now. */
  active: boolean;
}

async function rows(target: SnapshotTarget): Promise<SnapshotRow[]> {
  return parseSnapshotList(await target.virsh.run(['snapshot-list', target.identity.uuid]));
}

function find(list: SnapshotRow[], tag: string, instance: string): SnapshotRow {
  const found = list.find((s) => s.name === tag);
  if (!found) {
    const known = list.map((s) => s.name).join(', ') || 'none';
    throw new DriverError('NOT_FOUND', `${instance} has no snapshot "${tag}" (snapshots: ${known})`, { instance, tag });
  }
  return found;
}

export async function listSnapshots(target: SnapshotTarget): Promise<Snapshot[]> {
  const list = await rows(target);
  // libvirt does not report how much each snapshot's saved state takes; the qcow2's own table does.
  const sizes = new Map<string, number>();
  try {
    for (const s of await qcow2Snapshots(target.paths.disk)) sizes.set(s.name, s.vmStateSize);
  } catch {
    // unreadable right now (QEMU rewriting the table, or a remote disk): sizes stay unknown (0)
  }
  return list.map((row) => ({ tag: row.name, createdAt: row.createdAt, sizeBytes: sizes.get(row.name) ?? 0, running: holdsMemory(row) }));
}

export async function createSnapshot(target: SnapshotTarget, tag: string): Promise<void> {
  assertSnapshotTag(tag);
  const { instance } = target;
  if ((await rows(target)).some((s) => s.name === tag)) {
    throw new DriverError('ALREADY_EXISTS', `${instance} already has a snapshot "${tag}"; delete it first or pick another name`, { instance, tag });
  }
  await target.virsh.run(['snapshot-create-as', target.identity.uuid, tag, '--atomic'], { timeoutMs: SNAPSHOT_TIMEOUT_MS });
}

/**
 * Reverts to `tag`. A snapshot with memory is applied only to a running (or paused) VM and
 * keeps that run state; a disk-only one only to a stopped VM, like the QEMU driver.
 */
export async function applySnapshot(target: SnapshotTarget, tag: string, paused: boolean): Promise<void> {
  assertSnapshotTag(tag);
  const { instance } = target;
  const snapshot = find(await rows(target), tag, instance);
  if (holdsMemory(snapshot) && !target.active) {
    throw new DriverError('INVALID_STATE',
      `snapshot "${tag}" of ${instance} was taken while it ran (memory included): start ${instance}, then apply it`, { instance, tag });
  }
  if (!holdsMemory(snapshot) && target.active) {
    throw new DriverError('INVALID_STATE',
      `snapshot "${tag}" of ${instance} holds only the disk (it was taken while stopped): stop ${instance}, then apply it`, { instance, tag });
  }
  await rebaseSnapshot(target, tag);
  const runState = target.active ? [paused ? '--paused' : '--running'] : [];
  await target.virsh.run(['snapshot-revert', target.identity.uuid, tag, ...runState], { timeoutMs: SNAPSHOT_TIMEOUT_MS });
}

export async function deleteSnapshot(target: SnapshotTarget, tag: string): Promise<void> {
  assertSnapshotTag(tag);
  find(await rows(target), tag, target.instance);
  await target.virsh.run(['snapshot-delete', target.identity.uuid, tag], { timeoutMs: SNAPSHOT_TIMEOUT_MS });
}

/**
 * A snapshot records the domain XML of its moment, paths included, and a revert runs QEMU
 * with it. When the instance has moved since (a rename moves its folder), that XML is
 * redefined with the instance's current folders first, so the revert finds the disk.
 */
async function rebaseSnapshot(target: SnapshotTarget, tag: string): Promise<void> {
  const { virsh, identity, paths } = target;
  const xml = await virsh.run(['snapshot-dumpxml', identity.uuid, tag, '--security-info']);
  const devices = child(parseXml(xml), 'domain', 'devices');
  const vda = children(devices, 'disk').find((d) => child(d, 'target')?.attributes.dev === 'vda');
  const recordedDisk = child(vda, 'source')?.attributes.file;
  if (recordedDisk === undefined || recordedDisk === paths.disk) return;
  const recordedSocket = child(children(devices, 'serial')[0], 'source')?.attributes.path;
  const moves: [string, string][] = [[dirOf(recordedDisk), paths.dir]];
  if (recordedSocket !== undefined) moves.push([dirOf(recordedSocket), paths.runtimeDir]);
  let rebased = xml;
  for (const [from, to] of moves) rebased = rebased.replaceAll(`${escapeXml(from)}/`, `${escapeXml(to)}/`);
  await virsh.run(['snapshot-create', identity.uuid, DOCUMENT, '--redefine'], { document: rebased });
}

const dirOf = (file: string) => file.slice(0, file.lastIndexOf('/'));
