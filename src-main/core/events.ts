// The engine's event bus: what front ends subscribe to instead of polling.
import type { ApiEvent } from '../api/contract.ts';

/**
 * What the engine emits is exactly what front ends receive (status, list changes, download
 * progress per artifact whatever the driver, driver log lines): declared once, as the API's
 * event schema (src-main/api/schemas.ts), which the engine names as a type only.
 */
export type EngineEvent = ApiEvent;

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
