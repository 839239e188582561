// What the guest's boot has reached, as the host agent learns it: the guest's progress lines
// (src-main/core/cidata/boot-script.ts writes them) folded into a status, kept in the instance
// folder as guest-status.json. It counts only for the boot whose cidata this start wrote: the
// engine records that instance-id in boot-id, and a status naming another one is stale.
import fs from 'node:fs/promises';
import path from 'node:path';
// zod/mini, not zod: `corral list` reads this record, and zod/mini's schemas cost a third of
// zod's to build and first use (about 20 ms of a list), same checks.
import * as z from 'zod/mini';
import { readJsonRecordOrNothing, writeJsonRecord } from '../instances/json-record.ts';
import { writeFileAtomic } from '../instances/atomic.ts';

export const guestStatusFileName = 'guest-status.json';
export const bootIdFileName = 'boot-id';
/** The guest's whole boot log, copied by the host agent when the boot ends (done, failed, timeout). */
export const guestLogFileName = 'guest-boot.log';

export const guestPhases = ['booting', 'provisioning', 'probing', 'ready', 'failed', 'timeout'] as const;
export type GuestPhase = (typeof guestPhases)[number];

export const guestStatusSchema = z.object({
  bootId: z.string().check(z.minLength(1)),
  phase: z.enum(guestPhases),
  step: z.optional(z.object({ index: z.int().check(z.gte(1)), total: z.int().check(z.gte(1)), name: z.string() })),
  failure: z.optional(z.object({ script: z.string(), exitStatus: z.int(), lastLines: z.array(z.string()) })),
  /** The template's `message` once ready; what went wrong on a timeout. */
  message: z.optional(z.string()),
  /** When SSH first let the host agent in during this boot (ISO time): from then on a terminal can open, whatever the phase. */
  sshSince: z.optional(z.string()),
  updatedAt: z.string(),
});
export type GuestStatus = z.infer<typeof guestStatusSchema>;

/** The guest's progress so far, from its status lines. */
export interface GuestProgress {
  bootId?: string | undefined;
  phase: 'booting' | 'provisioning' | 'probing' | 'done' | 'failed';
  step?: { index: number; total: number; name: string } | undefined;
  failure?: { script: string; exitStatus: number } | undefined;
}

export const initialProgress: GuestProgress = { phase: 'booting' };

/** Folds one status line into the progress; a line it does not know changes nothing. */
export function applyStatusLine(progress: GuestProgress, line: string): GuestProgress {
  const words = line.trim().split(' ');
  const number = (word: string | undefined): number => (word !== undefined && /^\d+$/.test(word) ? Number(word) : NaN);
  const [kind, a, b, c] = words;
  if (kind === 'begin' && a) return { bootId: a, phase: 'booting' };
  if (progress.phase === 'failed') return progress; // the first failure is the one reported
  if ((kind === 'step' || kind === 'probe') && c && number(a) >= 1 && number(b) >= number(a)) {
    return { ...progress, phase: kind === 'step' ? 'provisioning' : 'probing', step: { index: number(a), total: number(b), name: c } };
  }
  if (kind === 'failed' && a && !Number.isNaN(number(b))) return { ...progress, phase: 'failed', failure: { script: a, exitStatus: number(b) } };
  if (kind === 'done' && !Number.isNaN(number(a))) {
    return number(a) === 0 ? { ...progress, phase: 'done' } : { ...progress, phase: 'failed', failure: { script: 'corral-boot.sh', exitStatus: number(a) } };
  }
  return progress;
}

/** `provision-02-system` → `provision[2] (mode system)`; other names as they are. */
export function describeStep(name: string): string {
  const match = /^provision-(\d+)-(\w+)$/.exec(name);
  if (match) return `provision[${Number(match[1])}] (mode ${match[2]})`;
  const probe = /^probe-(\d+)$/.exec(name);
  return probe ? `probes[${Number(probe[1])}]` : name;
}

/** "Starting (provisioning 2/3)", "Running", "Provisioning failed", ... for a Running VM. */
export function guestLabel(guest: Pick<GuestStatus, 'phase' | 'step'> | undefined): string {
  if (!guest || guest.phase === 'ready') return 'Running';
  if (guest.phase === 'failed') return 'Running (provisioning failed)';
  if (guest.phase === 'timeout') return 'Running (not ready: timed out)';
  const step = guest.step ? ` ${guest.step.index}/${guest.step.total}` : '';
  return `Starting (${guest.phase}${guest.phase === 'booting' ? '' : step})`;
}

export async function writeBootId(dir: string, bootId: string): Promise<void> {
  await writeFileAtomic(path.join(dir, bootIdFileName), `${bootId}\n`);
}

export async function readBootId(dir: string): Promise<string | undefined> {
  return (await fs.readFile(path.join(dir, bootIdFileName), 'utf8').catch(() => ''))?.trim() || undefined;
}

export async function writeGuestStatus(dir: string, status: GuestStatus): Promise<void> {
  await writeJsonRecord(path.join(dir, guestStatusFileName), status);
}

/** The status of this start's boot, or undefined (none yet, damaged, or from an earlier boot). */
export async function readGuestStatus(dir: string): Promise<GuestStatus | undefined> {
  // Written atomically, so only a hand edit damages it: treated as absent.
  const [bootId, status] = await Promise.all([readBootId(dir), readJsonRecordOrNothing(path.join(dir, guestStatusFileName), guestStatusSchema)]);
  return bootId && status?.bootId === bootId ? status : undefined;
}
