// The files a start needs (image, kernel, initrd, nerdctl archive), fetched with progress
// events, one cancellable fetch per instance.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { DriverHost } from '../drivers/host.ts';
import { cacheLayout } from '../downloads/index.ts';
import type { Downloader } from '../downloads/index.ts';
import type { EngineEvent, EventBus } from '../events.ts';
import { resolveArchive, resolveArtifacts } from '../instances/artifacts.ts';
import type { ArtifactProgress, LocalArtifacts } from '../instances/artifacts.ts';
import type { LimaConfig } from '../instances/config.ts';
import { effectiveConfig } from '../instances/effective.ts';
import { withinReach } from '../instances/sandbox-reach.ts';

export class ArtifactFetches {
  /** Starts that are fetching files right now, so a user can cancel them. */
  readonly #fetching = new Map<string, AbortController>();
  readonly #downloads: Downloader;
  readonly #events: EventBus<EngineEvent>;
  readonly #cacheDir: string;

  constructor(options: { downloads: Downloader; events: EventBus<EngineEvent>; cacheDir: string }) {
    this.#downloads = options.downloads;
    this.#events = options.events;
    this.#cacheDir = options.cacheDir;
  }

  /** The instance's files, local, each download announced as `download-progress`. */
  async fetch(name: string, config: LimaConfig): Promise<LocalArtifacts> {
    const controller = new AbortController();
    this.#fetching.set(name, controller);
    try {
      const context = {
        downloader: this.#downloads,
        signal: controller.signal,
        onProgress: (progress: ArtifactProgress) => this.#events.emit({ type: 'download-progress', instance: name, ...progress }),
      };
      const { arch } = effectiveConfig(config);
      const artifacts = await resolveArtifacts(config, arch, context);
      const archive = await resolveArchive(config, arch, context);
      return archive ? { ...artifacts, archive } : artifacts;
    } finally {
      this.#fetching.delete(name);
    }
  }

  /** Cancels the downloads of a start in progress; the start fails with the cancellation. */
  cancel(name: string): boolean {
    const controller = this.#fetching.get(name);
    controller?.abort(new DriverError('INVALID_STATE', `the downloads for "${name}" were cancelled`, { instance: name }));
    return controller !== undefined;
  }

  abortAll(): void {
    for (const controller of this.#fetching.values()) controller.abort();
  }

  /** Local files made readable for a sandboxed driver (see sandbox-reach.ts); as they are for others. */
  async inReachOf(host: DriverHost, artifacts: LocalArtifacts): Promise<LocalArtifacts> {
    return host.isolation?.kind === 'sandboxed' ? withinReach(artifacts, cacheLayout(this.#cacheDir).root) : artifacts;
  }
}
