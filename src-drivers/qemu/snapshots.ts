// Internal qcow2 snapshots of the instance disk. A running (or paused) VM is snapshotted by
// QEMU itself, memory included: HMP savevm/loadvm/delvm through QMP human-monitor-command, in
// one short conversation each (monitor.ts). A stopped VM's disk is snapshotted with qemu-img.
// Both paths list from the same structured source (QEMU's ImageInfo: QMP query-block while it
// runs, `qemu-img info --output=json` otherwise) rather than parsing HMP's `info snapshots`.
import * as z from 'zod';
import { DriverError } from '../sdk/index.ts';
import type { Snapshot } from '../sdk/index.ts';
import { runTool } from './host.ts';
import { withQmp } from './monitor.ts';
import type { InstancePaths } from './paths.ts';
import type { QmpClient } from './qmp.ts';

/**
 * A letter first: HMP's loadvm/delvm match a snapshot's numeric ID as well as its tag, so a
 * tag "1" could name another snapshot. No spaces or quotes: the tag is part of an HMP line.
 */
export const snapshotTagPattern = /^[A-Za-z][A-Za-z0-9._-]{0,62}$/;

/** savevm writes the guest's whole RAM: seconds under TCG, more for a large guest. */
const SAVEVM_TIMEOUT_MS = 300_000;

const snapshotInfoSchema = z.object({
  name: z.string(),
  'vm-state-size': z.number(),
  'date-sec': z.number(),
  'date-nsec': z.number(),
}).loose();
type SnapshotInfo = z.infer<typeof snapshotInfoSchema>;

const imageSnapshotsSchema = z.object({ snapshots: z.array(snapshotInfoSchema).optional() }).loose();

const queryBlockSchema = z.array(z.object({
  inserted: z.object({ file: z.string(), image: imageSnapshotsSchema }).loose().optional(),
}).loose());

export function assertSnapshotTag(tag: string): void {
  if (!snapshotTagPattern.test(tag)) {
    throw new DriverError('INVALID_NAME',
      `invalid snapshot name "${tag}": use up to 63 letters, digits, ".", "_" and "-", starting with a letter`, { tag });
  }
}

function toSnapshot(info: SnapshotInfo): Snapshot {
  return {
    tag: info.name,
    createdAt: new Date(info['date-sec'] * 1000 + Math.floor(info['date-nsec'] / 1e6)).toISOString(),
    // The saved VM state (memory and devices); disk changes are shared copy-on-write clusters, not counted per snapshot.
    sizeBytes: info['vm-state-size'],
    running: info['vm-state-size'] > 0,
  };
}

/** The snapshots in the disk of a running VM, as QEMU sees them now. */
async function liveSnapshots(qmp: QmpClient, paths: InstancePaths): Promise<Snapshot[]> {
  const devices = await qmp.query(queryBlockSchema, 'query-block');
  const disk = devices.find((device) => device.inserted?.file === paths.disk)?.inserted;
  if (!disk) throw new DriverError('INTERNAL', `QEMU has no block device for ${paths.disk}`);
  return (disk.image.snapshots ?? []).map(toSnapshot);
}

async function diskSnapshots(qemuImg: string, paths: InstancePaths): Promise<Snapshot[]> {
  const out = await runTool(qemuImg, ['info', '--output=json', paths.disk]);
  const parsed = imageSnapshotsSchema.safeParse(JSON.parse(out));
  if (!parsed.success) throw new DriverError('INTERNAL', `unexpected qemu-img info output for ${paths.disk}: ${parsed.error.message}`);
  return (parsed.data.snapshots ?? []).map(toSnapshot);
}

/** Runs an HMP command; HMP reports failure as text in its output rather than as a QMP error. */
async function hmp(qmp: QmpClient, commandLine: string): Promise<void> {
  const output = await qmp.execute('human-monitor-command', { 'command-line': commandLine }, { timeoutMs: SAVEVM_TIMEOUT_MS });
  const text = typeof output === 'string' ? output.trim() : '';
  if (text) throw new DriverError('VM_FAILED', `QEMU refused "${commandLine}": ${text.replace(/^Error:\s*/, '')}`, { command: commandLine });
}

/**
 * QEMU cannot save the memory of a VM with virtiofs folders (vhost-user-fs blocks migration), and
 * says so with a PCI address and a device type: the same refusal in the words of what the user set.
 */
function virtiofsBlocks(error: unknown, instance: string, tag: string): DriverError | undefined {
  if (!(error instanceof DriverError) || !/non-migratable device '[^']*vhost-user-fs'/.test(error.message)) return undefined;
  return new DriverError('INVALID_STATE',
    `${instance} shares folders over virtiofs, and QEMU cannot save the memory of a VM with virtiofs folders: stop ${instance}, then take the snapshot (of its disk)`, { instance, tag });
}

function find(snapshots: Snapshot[], tag: string, instance: string): Snapshot {
  const found = snapshots.find((s) => s.tag === tag);
  if (!found) {
    const known = snapshots.map((s) => s.tag).join(', ') || 'none';
    throw new DriverError('NOT_FOUND', `${instance} has no snapshot "${tag}" (snapshots: ${known})`, { instance, tag });
  }
  return found;
}

function refuseDuplicate(snapshots: Snapshot[], tag: string, instance: string): void {
  // savevm would silently replace a snapshot of the same name: losing one should be explicit.
  if (snapshots.some((s) => s.tag === tag)) {
    throw new DriverError('ALREADY_EXISTS', `${instance} already has a snapshot "${tag}"; delete it first or pick another name`, { instance, tag });
  }
}

/** Snapshot operations for one instance; `running` says which path applies (QMP or qemu-img). */
export interface SnapshotTarget {
  instance: string;
  paths: InstancePaths;
  running: boolean;
  qemuImg: string;
}

export async function listSnapshots(target: SnapshotTarget): Promise<Snapshot[]> {
  if (target.running) return withQmp(target.paths, (qmp) => liveSnapshots(qmp, target.paths));
  return diskSnapshots(target.qemuImg, target.paths);
}

export async function createSnapshot(target: SnapshotTarget, tag: string): Promise<void> {
  assertSnapshotTag(tag);
  const { instance, paths } = target;
  if (target.running) {
    return withQmp(paths, async (qmp) => {
      refuseDuplicate(await liveSnapshots(qmp, paths), tag, instance);
      await hmp(qmp, `savevm ${tag}`).catch((error: unknown) => {
        throw virtiofsBlocks(error, instance, tag) ?? error;
      });
    });
  }
  refuseDuplicate(await diskSnapshots(target.qemuImg, paths), tag, instance);
  await runTool(target.qemuImg, ['snapshot', '-c', tag, paths.disk]);
}

export async function applySnapshot(target: SnapshotTarget, tag: string): Promise<void> {
  assertSnapshotTag(tag);
  const { instance, paths } = target;
  if (target.running) {
    return withQmp(paths, async (qmp) => {
      const snapshot = find(await liveSnapshots(qmp, paths), tag, instance);
      if (!snapshot.running) {
        throw new DriverError('INVALID_STATE',
          `snapshot "${tag}" of ${instance} holds only the disk (it was taken while stopped): stop ${instance}, then apply it`, { instance, tag });
      }
      // loadvm stops the guest, restores memory and disk, and runs it again if it was running.
      await hmp(qmp, `loadvm ${tag}`);
    });
  }
  const snapshot = find(await diskSnapshots(target.qemuImg, paths), tag, instance);
  if (snapshot.running) {
    // Reverting only the disk of a live snapshot would boot a disk caught mid-write, without the memory that goes with it.
    throw new DriverError('INVALID_STATE',
      `snapshot "${tag}" of ${instance} was taken while it ran (memory included): start ${instance}, then apply it`, { instance, tag });
  }
  await runTool(target.qemuImg, ['snapshot', '-a', tag, paths.disk]);
}

export async function deleteSnapshot(target: SnapshotTarget, tag: string): Promise<void> {
  assertSnapshotTag(tag);
  const { instance, paths } = target;
  if (target.running) {
    return withQmp(paths, async (qmp) => {
      find(await liveSnapshots(qmp, paths), tag, instance);
      await hmp(qmp, `delvm ${tag}`);
    });
  }
  find(await diskSnapshots(target.qemuImg, paths), tag, instance);
  await runTool(target.qemuImg, ['snapshot', '-d', tag, paths.disk]);
}
