// What the snapshot table says about one snapshot: its size in words that are true, and why it
// cannot be applied in the instance's state (the QEMU driver's rule, src-drivers/qemu/snapshots.ts:
// a snapshot with memory loads only into a running VM, a disk-only one only into a stopped VM).
import type { Instance, Snapshot } from '../../../src-main/api/contract.ts';
import { formatBytes } from '../../ui/format.ts';

/**
 * The saved memory and device state's size; a disk-only snapshot saved none (its disk changes
 * are copy-on-write clusters shared with the disk, not counted per snapshot), so it says so.
 */
export function snapshotSize(snapshot: Snapshot): string {
  return snapshot.running ? `${formatBytes(snapshot.sizeBytes)} memory` : 'disk only';
}

/** Why `snapshot` cannot be applied to `instance` as it is now, or undefined when it can. */
export function applyRefusal(snapshot: Snapshot, instance: Pick<Instance, 'name' | 'state'>): string | undefined {
  const running = instance.state === 'Running' || instance.state === 'Paused';
  if (snapshot.running && instance.state === 'Stopped') return `Taken while running: start ${instance.name} to apply it.`;
  if (!snapshot.running && running) return `Disk only: stop ${instance.name} to apply it.`;
  return undefined;
}

/**
 * The tag a snapshot gets when the user types none: "snapshot-N", the first N not taken. Before,
 * an empty tag left Take snapshot greyed out without a word of why.
 */
export function suggestedTag(taken: readonly string[]): string {
  let n = taken.length + 1;
  while (taken.includes(`snapshot-${n}`)) n += 1;
  return `snapshot-${n}`;
}

/**
 * What taking a snapshot now saves. QEMU cannot save the memory of a VM with virtiofs folders,
 * so the driver refuses one while it runs and takes one of the disk once it is stopped. No state
 * word: the badge above says the state in its own words ("Starting (booting)" for a running VM
 * whose guest still boots), and a second word here would disagree with it.
 */
export function savedParts(instance: Pick<Instance, 'name' | 'state' | 'mounts'>): string {
  const { state } = instance;
  if (state !== 'Running' && state !== 'Paused') return 'Saves the disk.';
  if (instance.mounts?.some((mount) => mount.type === 'virtiofs')) {
    return `QEMU cannot save the memory of a VM with virtiofs folders: stop ${instance.name} to snapshot its disk.`;
  }
  return 'Saves memory and disk.';
}
