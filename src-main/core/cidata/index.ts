// The guest bootstrap disk: NoCloud seed files (cloud-config.ts) written into an ISO 9660 image
// labelled "cidata" (iso9660.ts), which cloud-init finds by its label at boot.
import { writeIso9660 } from './iso9660.ts';
import type { IsoEntry, IsoOptions } from './iso9660.ts';

export { cidataFiles, nerdctlArchiveName, newInstanceId } from './cloud-config.ts';
export { hostnameFor } from './hostname.ts';
export { fallbackUser, hostUser, resolveGuestUser } from './guest-user.ts';
export type { GuestUser, GuestUserConfig, HostUser } from './guest-user.ts';
export type { CidataInstance, CidataMount, CidataOptions, CidataUser } from './cloud-config.ts';
export { level1Names, writeIso9660 } from './iso9660.ts';
export type { IsoEntry, IsoOptions } from './iso9660.ts';

/** The volume label NoCloud looks for. */
export const cidataLabel = 'cidata';

/** Writes `entries` as a cidata image at `file`, atomically. */
export function writeCidataIso(file: string, entries: readonly IsoEntry[], options: Partial<IsoOptions> = {}): Promise<void> {
  return writeIso9660(file, entries, { volumeLabel: cidataLabel, ...options });
}
