// Files a driver moves itself (an image uploaded to a remote libvirt host), reported by its
// progress events (src-drivers/sdk/protocol.ts), turned into the download-progress events the
// downloads view and `corral start` already show: the instance's line for that file goes on
// in phase 'upload', with a rate and time left worked out here as for a download. A transfer
// whose driver process ended before its last event is ended as failed, so no line waits forever.
import { pathToFileURL } from 'node:url';
import type { ProgressEvent } from '../../../src-drivers/sdk/protocol.ts';
import type { EngineEvent } from '../events.ts';
import { ProgressReporter } from './progress.ts';
import type { DownloadProgress } from './progress.ts';

type DownloadEvent = Extract<EngineEvent, { type: 'download-progress' }>;

interface Running {
  driver: string;
  reporter: ProgressReporter;
}

export class DriverUploads {
  readonly #emit: (event: DownloadEvent) => void;
  readonly #running = new Map<string, Running>();

  constructor(emit: (event: DownloadEvent) => void) {
    this.#emit = emit;
  }

  /** One progress event of `driver`'s, already schema-checked by the driver host. */
  report(driver: string, event: ProgressEvent): void {
    const id = `${event.instance}/${event.file}`;
    let running = this.#running.get(id);
    if (!running) {
      const reporter = new ProgressReporter(pathToFileURL(event.path).href, (progress) => this.#emit(asEvent(event, id, progress)), 0);
      running = { driver, reporter };
      this.#running.set(id, running);
      reporter.phase('upload', event.total, event.bytes);
    }
    if (event.phase === 'upload') {
      running.reporter.setTotal(event.total);
      running.reporter.update(event.bytes);
      return;
    }
    this.#running.delete(id);
    if (event.phase === 'done') running.reporter.done(event.total);
    else running.reporter.ended({ failure: { reason: 'other', text: `Could not upload it to ${event.to}: ${event.reason ?? 'the driver gave no reason'}` } });
  }

  /** `driver`'s process ended: what it was still sending will not arrive. */
  driverEnded(driver: string): void {
    for (const [id, running] of this.#running) {
      if (running.driver !== driver) continue;
      this.#running.delete(id);
      running.reporter.ended({ failure: { reason: 'other', text: `The upload stopped: driver ${driver} exited before it finished.` } });
    }
  }
}

function asEvent(subject: ProgressEvent, id: string, progress: DownloadProgress): DownloadEvent {
  return { type: 'download-progress', id, instance: subject.instance, artifact: subject.file, uploadTo: subject.to, ...progress, local: false };
}
