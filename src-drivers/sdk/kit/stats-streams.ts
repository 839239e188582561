// The stats capability's streams, for any driver: one sampler per VM, however many streams
// watch it (the engine opens one per VM; another engine may open its own), sampling about once
// a second while at least one stream is open, each sample written as JSON on every stream. A
// sample that fails (the VM is gone) ends the VM's streams: the engine hears the end.
import type { StreamHub } from '../streams.ts';
import type { StatsSample } from '../protocol.ts';
import { byteRate, cpuPercent, readProcess } from './process-stats.ts';
import type { ProcessReading } from './process-stats.ts';

/** Makes the samples of one VM; keeps what it needs from the sample before (rates). */
export interface VmSampler {
  sample(): Promise<StatsSample>;
}

interface Sampled {
  sampler: VmSampler;
  streams: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

export const STATS_INTERVAL_MS = 1_000;

export class StatsStreams {
  readonly #hub: StreamHub;
  readonly #intervalMs: number;
  readonly #vms = new Map<string, Sampled>();
  readonly #onError: (key: string, error: unknown) => void;

  /** `onError` hears why a VM's sampling stopped (its streams have ended). */
  constructor(hub: StreamHub, onError: (key: string, error: unknown) => void = () => undefined, intervalMs = STATS_INTERVAL_MS) {
    this.#hub = hub;
    this.#onError = onError;
    this.#intervalMs = intervalMs;
  }

  /** Sends `key`'s samples on `streamId` too; its first sample goes at once (the VM's sampler is made on first use). */
  open(key: string, streamId: string, makeSampler: () => VmSampler): void {
    let vm = this.#vms.get(key);
    if (!vm) {
      vm = { sampler: makeSampler(), streams: new Set(), timer: undefined };
      this.#vms.set(key, vm);
    }
    vm.streams.add(streamId);
    if (vm.timer === undefined) this.#next(key, vm, 0);
  }

  /** Stops sending on `streamId` (an unknown id is not an error); the last stream of a VM stops its sampling. */
  close(streamId: string): void {
    for (const [key, vm] of this.#vms) {
      if (!vm.streams.delete(streamId)) continue;
      if (vm.streams.size === 0) this.#stop(key, vm);
      return;
    }
  }

  /** The VM ended: its streams end for the engine too. */
  end(key: string): void {
    const vm = this.#vms.get(key);
    if (!vm) return;
    this.#stop(key, vm);
    for (const id of vm.streams) this.#hub.end(id);
  }

  /** Every sampler stops and every stream ends (the driver is closing). */
  endAll(): void {
    for (const key of [...this.#vms.keys()]) this.end(key);
  }

  #stop(key: string, vm: Sampled): void {
    clearTimeout(vm.timer);
    vm.timer = undefined;
    if (this.#vms.get(key) === vm) this.#vms.delete(key);
  }

  /** A timeout chain, not an interval: a slow sample (a busy monitor) never piles up behind itself. */
  #next(key: string, vm: Sampled, delayMs: number): void {
    vm.timer = setTimeout(() => void this.#take(key, vm), delayMs);
    vm.timer.unref();
  }

  async #take(key: string, vm: Sampled): Promise<void> {
    let sample: StatsSample;
    try {
      sample = await vm.sampler.sample();
    } catch (error) {
      if (this.#vms.get(key) !== vm) return;
      this.end(key);
      this.#onError(key, error);
      return;
    }
    if (this.#vms.get(key) !== vm || vm.timer === undefined) return; // closed while sampling
    const bytes = new TextEncoder().encode(JSON.stringify(sample));
    for (const id of vm.streams) this.#hub.write(id, bytes);
    this.#next(key, vm, this.#intervalMs);
  }
}

/** Disk and network totals a driver learns from its hypervisor (null: it cannot). */
export interface IoTotals {
  disk: { readBytes: number; writtenBytes: number } | null;
  network: { rxBytes: number; txBytes: number } | null;
}

/**
 * A sampler for a VM that is one local process (QEMU, a libvirt domain's QEMU on this host):
 * CPU and memory from /proc, disk and network totals from `io` (the hypervisor), rates from
 * the sample before.
 */
export function processSampler(pid: number, io: () => Promise<IoTotals>, now: () => number = () => performance.now()): VmSampler {
  let before: { reading: ProcessReading; io: IoTotals } | undefined;
  return {
    async sample() {
      const [reading, totals] = await Promise.all([readProcess(pid, now), io()]);
      const intervalMs = before ? reading.atMs - before.reading.atMs : 0;
      const earlier = before?.io;
      const sample: StatsSample = {
        at: Date.now(),
        intervalMs,
        cpuPercent: before ? cpuPercent(before.reading, reading) : null,
        memoryBytes: reading.rssBytes,
        disk: totals.disk && {
          ...totals.disk,
          readRate: byteRate(earlier?.disk?.readBytes, totals.disk.readBytes, intervalMs),
          writeRate: byteRate(earlier?.disk?.writtenBytes, totals.disk.writtenBytes, intervalMs),
        },
        network: totals.network && {
          ...totals.network,
          rxRate: byteRate(earlier?.network?.rxBytes, totals.network.rxBytes, intervalMs),
          txRate: byteRate(earlier?.network?.txBytes, totals.network.txBytes, intervalMs),
        },
      };
      before = { reading, io: totals };
      return sample;
    },
  };
}
