// The CPUs, memory and disk size a VM started with, kept beside lima.yaml from each start. As in
// Lima, a running VM keeps what it started with: a lima.yaml edited by hand meanwhile applies at the
// next start, and front ends say so instead of showing the file's figures as the VM's.
import path from 'node:path';
import * as z from 'zod/mini';
import type { EffectiveConfig } from './effective.ts';
import { readJsonRecordOrNothing, writeJsonRecord } from './json-record.ts';

const startedWithFileName = 'started-with.json';
// diskBytes: absent from records of starts before it was kept.
const startedWithSchema = z.object({ cpus: z.int().check(z.positive()), memoryBytes: z.number().check(z.positive()), diskBytes: z.optional(z.number().check(z.positive())) });
export type StartedWith = z.infer<typeof startedWithSchema>;

/** Records what this start gives the VM (it is read only while the VM runs, so nothing removes it). */
export async function recordStartedWith(dir: string, effective: Pick<EffectiveConfig, 'cpus' | 'memoryBytes' | 'diskBytes'>): Promise<void> {
  // Not fsynced: a crash that loses it also ended the VM it describes.
  await writeJsonRecord(path.join(dir, startedWithFileName), { cpus: effective.cpus, memoryBytes: effective.memoryBytes, diskBytes: effective.diskBytes }, undefined, { durable: false });
}

/** What the running VM started with, when lima.yaml now says otherwise; undefined when they agree or it is not known. */
export async function startedWithIfEdited(dir: string, effective: Pick<EffectiveConfig, 'cpus' | 'memoryBytes' | 'diskBytes'>): Promise<StartedWith | undefined> {
  const started = await readJsonRecordOrNothing(path.join(dir, startedWithFileName), startedWithSchema);
  const diskEdited = started?.diskBytes !== undefined && started.diskBytes !== effective.diskBytes;
  return started && (started.cpus !== effective.cpus || started.memoryBytes !== effective.memoryBytes || diskEdited) ? started : undefined;
}
