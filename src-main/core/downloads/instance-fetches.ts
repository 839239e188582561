// The files one instance needs, fetched for a start or for a Retry: every remote file is
// announced as queued first, then all are fetched at once, each reporting its phases
// (downloader.ts) under its download id. A user can cancel one download (the others run on
// to their end, so they land in the cache) or all of an instance's. Several fetches of one
// instance may run at once (a start and a Retry); a cancel reaches each of them.
import { DriverError, toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { allSettledOrFirstFailure, isRemote, resolveArchive, resolveArtifacts } from '../instances/artifacts.ts';
import type { ArtifactKind, ArtifactProgress, LocalArtifacts } from '../instances/artifacts.ts';
import type { Arch, LimaConfig } from '../instances/config.ts';
import type { Downloader } from './downloader.ts';

export type IdentifiedProgress = ArtifactProgress & {
  /** Names this download of this instance, for a cancel of it alone. */
  id: string;
};
export type InstanceProgress = (instance: string, progress: IdentifiedProgress) => void;

/** One download's id: the instance and the file it is for (an instance fetches each kind once). */
export function downloadId(instance: string, artifact: ArtifactKind): string {
  return `${instance}/${artifact}`;
}

/** One running fetch: its own controller (cancel all) and one per file (cancel one). */
interface Fetch {
  all: AbortController;
  files: Map<ArtifactKind, AbortController>;
}

export class InstanceFetches {
  readonly #downloader: Downloader;
  readonly #onProgress: InstanceProgress;
  readonly #running = new Map<string, Set<Fetch>>();
  /** Why no fetch may start now (the cache is being moved), or undefined. */
  #blocked: string | undefined;

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
    if (this.#blocked) throw new DriverError('BUSY', `cannot fetch the files of "${name}" now: ${this.#blocked}; try again once it has ended`, { instance: name });
    const running: Fetch = { all: new AbortController(), files: new Map() };
    const mine = this.#running.get(name) ?? new Set();
    mine.add(running);
    this.#running.set(name, mine);
    let remoteEnded = false;
    const waiting = new Map<ArtifactKind, ArtifactProgress>();
    const emit = (progress: ArtifactProgress): void => this.#onProgress(name, { ...progress, id: downloadId(name, progress.artifact) });
    const onProgress = (progress: ArtifactProgress): void => {
      if (!progress.local && (progress.phase === 'failed' || progress.phase === 'cancelled')) remoteEnded = true;
      waiting.delete(progress.artifact);
      emit(progress);
    };
    const signalFor = (artifact: ArtifactKind): AbortSignal => {
      let file = running.files.get(artifact);
      if (!file) {
        file = new AbortController();
        running.files.set(artifact, file);
      }
      return AbortSignal.any([running.all.signal, file.signal]);
    };
    try {
      for (const queued of plannedDownloads(config, arch)) {
        onProgress(queued);
        waiting.set(queued.artifact, queued);
      }
      const context = { downloader: this.#downloader, signal: running.all.signal, signalFor, onProgress };
      const [artifacts, archive] = await allSettledOrFirstFailure([resolveArtifacts(config, arch, context), resolveArchive(config, arch, context)] as const);
      return archive ? { ...artifacts, archive } : artifacts;
    } catch (error) {
      if (!remoteEnded) throw error;
      const typed = toDriverError(error);
      throw new DriverError(typed.code, typed.message, { ...typed.details, download: true });
    } finally {
      // Files still queued when an earlier one failed are not fetched now: say so, so none waits forever.
      for (const queued of waiting.values()) emit({ ...queued, phase: 'cancelled' });
      mine.delete(running);
      if (mine.size === 0) this.#running.delete(name);
    }
  }

  /** Cancels every fetch of the instance; each fails with the cancellation. Whether any ran. */
  cancel(name: string): boolean {
    const mine = this.#running.get(name);
    for (const running of mine ?? []) {
      running.all.abort(new DriverError('INVALID_STATE', `the downloads for "${name}" were cancelled`, { instance: name, cancelled: true }));
    }
    return mine !== undefined;
  }

  /** Cancels one download (by its id) in every fetch of its instance; the others run on. Whether it ran. */
  cancelOne(id: string): boolean {
    let found = false;
    for (const [name, mine] of this.#running) {
      for (const running of mine) {
        for (const [artifact, file] of running.files) {
          if (downloadId(name, artifact) !== id || file.signal.aborted) continue;
          file.abort(new DriverError('INVALID_STATE', `the ${artifact} download for "${name}" was cancelled`, { instance: name, artifact, cancelled: true }));
          found = true;
        }
      }
    }
    return found;
  }

  /** What is being fetched now, in words (for a refusal), or undefined when nothing is. */
  busyReason(): string | undefined {
    const names = [...this.#running.keys()];
    return names.length === 0 ? undefined : `a download is in progress (for ${names.join(', ')})`;
  }

  /** Runs `fn` with no fetch allowed to start meanwhile (`reason` says why to whoever tries). */
  async blocked<T>(reason: string, fn: () => Promise<T>): Promise<T> {
    if (this.#blocked) throw new DriverError('BUSY', `${this.#blocked} already`, {});
    this.#blocked = reason;
    try {
      return await fn();
    } finally {
      this.#blocked = undefined;
    }
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
