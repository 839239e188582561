// The page's live figures, kept outside React: each watched instance's last minute of samples.
// Samples arrive in batches (one message a second for any number of VMs); subscribers are
// told once per animation frame, only for the instances that changed. The instance page's
// graphs read their snapshot through React (useInstanceStats); the list's figures are written
// straight into their own elements (live-figure.ts), so 200 streaming rows render nothing.
import { useEffect, useSyncExternalStore } from 'react';
import type { StatsSample, StatsUpdate } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';

/** The graph's window: a minute at one sample a second. */
export const historyLength = 60;

export interface InstanceStats {
  /** Oldest first, at most historyLength. */
  samples: readonly StatsSample[];
  /** Why samples stopped, while they have (stopped VM, driver without stats). */
  ended: string | undefined;
}

const empty: InstanceStats = { samples: [], ended: undefined };
const current = new Map<string, InstanceStats>();
const subscribers = new Map<string, Set<() => void>>();
const watches = new Map<string, { count: number; stop: () => void }>();
const changed = new Set<string>();
let frame = 0;

function notify(): void {
  frame = 0;
  const names = [...changed];
  changed.clear();
  for (const name of names) for (const callback of subscribers.get(name) ?? []) callback();
}

function record(name: string, update: StatsUpdate): void {
  const before = current.get(name) ?? empty;
  current.set(name, update.type === 'sample'
    ? { samples: [...before.samples.slice(-(historyLength - 1)), update.sample], ended: undefined }
    : { samples: before.samples, ended: update.reason });
  changed.add(name);
  // A hidden tab gets no frames: a timer keeps the figures true for when it is shown again.
  frame ||= document.hidden ? window.setTimeout(notify, 1000) : requestAnimationFrame(notify);
}

/** Watches `name` while any component wants it (one engine watch per instance, however many components). */
export function acquire(name: string): () => void {
  let watch = watches.get(name);
  if (!watch) {
    watch = { count: 0, stop: api.watchStats(name, (update) => record(name, update)) };
    watches.set(name, watch);
  }
  watch.count += 1;
  const held = watch;
  return () => {
    held.count -= 1;
    if (held.count > 0 || watches.get(name) !== held) return;
    watches.delete(name);
    held.stop();
    current.delete(name); // a stopped watch's minute is stale by the next time
  };
}

/** Calls `callback` after a frame in which `name`'s figures changed; returns the unsubscribe. */
export function subscribe(name: string, callback: () => void): () => void {
  let set = subscribers.get(name);
  if (!set) {
    set = new Set();
    subscribers.set(name, set);
  }
  set.add(callback);
  const own = set;
  return () => {
    own.delete(callback);
    if (own.size === 0 && subscribers.get(name) === own) subscribers.delete(name);
  };
}

/** `name`'s newest sample, if any. */
export function latestSample(name: string): StatsSample | undefined {
  return current.get(name)?.samples.at(-1);
}

/** `name`'s last minute of figures, watched while `watch` is true (its VM runs). */
export function useInstanceStats(name: string, watch: boolean): InstanceStats {
  useEffect(() => (watch ? acquire(name) : undefined), [name, watch]);
  return useSyncExternalStore((callback) => subscribe(name, callback), () => current.get(name) ?? empty);
}
