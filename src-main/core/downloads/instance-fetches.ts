// The files one instance needs, fetched for a start or for a Retry: every remote file is
// announced as queued first, each then reports its phases (downloader.ts), and a user can
// cancel them. Several fetches of one instance may run at once (a start and a Retry); a cancel
// ends them all.
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { isRemote, resolveArchive, resolveArtifacts } from '../instances/artifacts.ts';
import type { ArtifactKind, ArtifactProgress, LocalArtifacts } from '../instances/artifacts.ts';
import type { Arch, LimaConfig } from '../instances/config.ts';
import type { Downloader } from './downloader.ts';

export type InstanceProgress = (instance: string, progress: ArtifactProgress) => void;

export class InstanceFetches {
  readonly #downloader: Downloader;
  readonly #onProgress: InstanceProgress;
  readonly #running = new Map<string, Set<AbortController>>();

  constructor(downloader: Downloader, onProgress: InstanceProgress) {
    this.#downloader = downloader;
    this.#onProgress = onProgress;
  }

  /**
   * The instance's image (with kernel and initrd) and nerdctl archive as local files. A failure
   * of a remote file is marked `details.download` (the downloads list already says it, in
   * plain words), so a front end need not say it a second time.
   */
  async fetch(name: string, config: LimaConfig, arch: Arch): Promise<LocalArtifacts> {
    const controller = new AbortController();
    const mine = this.#running.get(name) ?? new Set();
    mine.add(controller);
    this.#running.set(name, mine);
    let remoteEnded = false;
    const waiting = new Map<ArtifactKind, ArtifactProgress>();
    const onProgress = (progress: ArtifactProgress): void => {
      if (!progress.local && (progress.phase === 'failed' || progress.phase === 'cancelled')) remoteEnded = true;
      waiting.delete(progress.artifact);
      this.#onProgress(name, progress);
    };
    try {
      for (const queued of plannedDownloads(config, arch)) {
        onProgress(queued);
        waiting.set(queued.artifact, queued);
      }
      const context = { downloader: this.#downloader, signal: controller.signal, onProgress };
      const artifacts = await resolveArtifacts(config, arch, context);
      const archive = await resolveArchive(config, arch, context);
      return archive ? { ...artifacts, archive } : artifacts;
    } catch (error) {
      if (!remoteEnded) throw error;
      const typed = toDriverError(error);
      throw new DriverError(typed.code, typed.message, { ...typed.details, download: true });
    } finally {
      // Files still queued when an earlier one failed are not fetched now: say so, so none waits forever.
      for (const queued of waiting.values()) this.#onProgress(name, { ...queued, phase: 'cancelled' });
      mine.delete(controller);
      if (mine.size === 0) this.#running.delete(name);
    }
  }

  /** Cancels every fetch of the instance; each fails with the cancellation. Whether any ran. */
  cancel(name: string): boolean {
    const mine = this.#running.get(name);
    for (const controller of mine ?? []) {
      controller.abort(new DriverError('INVALID_STATE', `the downloads for "${name}" were cancelled`, { instance: name }));
    }
    return mine !== undefined;
  }

  /** Cancels everything (the engine closes). */
  cancelAll(): void {
    for (const name of [...this.#running.keys()]) this.cancel(name);
  }
}

/** The remote files a fetch will ask for first (the first image for the arch, its kernel and initrd, the archive), as queued. */
function plannedDownloads(config: LimaConfig, arch: Arch): ArtifactProgress[] {
  const image = config.images.find((i) => (i.arch ?? arch) === arch);
  const containerd = config.containerd;
  const archive = containerd?.system || containerd?.user ? containerd.archives?.find((a) => (a.arch ?? arch) === arch) : undefined;
  const files: [ArtifactKind, string | undefined][] = [
    ['image', image?.location], ['kernel', image?.kernel?.location], ['initrd', image?.initrd?.location], ['archive', archive?.location],
  ];
  return files.flatMap(([artifact, url]) => (url !== undefined && isRemote(url)
    ? [{ artifact, url, phase: 'queued' as const, bytes: 0, total: null, rate: 0, etaSeconds: null, local: false }]
    : []));
}
