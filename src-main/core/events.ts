// The engine's event bus: what front ends subscribe to instead of polling.
import type { VmState } from '../../src-drivers/sdk/protocol.ts';
import type { ArtifactProgress } from './instances/artifacts.ts';

export type EngineEvent =
  | { type: 'instance-status'; name: string; state: VmState; reason?: string | undefined }
  | { type: 'instances-changed' }
  /** A file an instance needs is being fetched (the same events whatever the driver). */
  | ({ type: 'download-progress'; instance: string } & ArtifactProgress)
  | { type: 'driver-log'; driver: string; level: 'info' | 'warn' | 'error'; message: string };

export class EventBus<E> {
  readonly #listeners = new Set<(event: E) => void>();

  on(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: E): void {
    for (const listener of this.#listeners) listener(event);
  }
}
