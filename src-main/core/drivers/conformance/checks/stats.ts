// The stats group, checked as the handshake declares it. Declared: openStats() on the running
// instance sends samples (each a JSON object the contract's schema accepts, about once a
// second, a CPU figure from the second on), and the stream ends once the VM has stopped.
// Undeclared: openStats() is refused with UNSUPPORTED (a driver written before the capability
// existed is never asked: the engine reads it as false).
import { randomBytes } from 'node:crypto';
import { statsSampleSchema } from '../../../../../src-drivers/sdk/protocol.ts';
import type { StatsSample } from '../../../../../src-drivers/sdk/protocol.ts';
import type { ConformanceCheck } from '../check.ts';
import { CheckFailure } from '../runner.ts';
import type { ConformanceState } from '../state.ts';

/** One open stats stream: what arrived on it, and whether it ended. */
interface StatsProbe {
  id: string;
  samples: StatsSample[];
  problems: string[];
  ended: boolean;
  /** Wakes whoever waits for the stream to change. */
  changed: () => void;
}

const probes = new WeakMap<ConformanceState, StatsProbe>();

/** Waits until `done` holds, the stream changing meanwhile; false when `timeoutMs` passed first. */
function until(probe: StatsProbe, done: () => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(done()), timeoutMs);
    const check = (): void => {
      if (!done()) return;
      clearTimeout(timer);
      resolve(true);
    };
    probe.changed = check;
    check();
  });
}

export const samples: ConformanceCheck = {
  group: 'stats', name: 'samples', title: 'stats: openStats() on the running instance sends valid samples about once a second', timeoutMs: (t) => t.call + 10_000, needs: ['lifecycle/start'],
  skipIf: (state) => state.lacks('stats')(),
  async run(state) {
    const probe: StatsProbe = { id: `conformance-stats-${randomBytes(4).toString('hex')}`, samples: [], problems: [], ended: false, changed: () => undefined };
    probes.set(state, probe);
    (await state.host.streams()).listen(probe.id, {
      data: (bytes) => {
        try {
          const parsed = statsSampleSchema().safeParse(JSON.parse(new TextDecoder().decode(bytes)));
          if (parsed.success) probe.samples.push(parsed.data);
          else probe.problems.push(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        } catch {
          probe.problems.push('a write that is not one JSON object');
        }
        probe.changed();
      },
      end: () => {
        probe.ended = true;
        probe.changed();
      },
    });
    await state.calls.call('openStats', 'openStats() of the running instance', state.bare, probe.id);
    const started = performance.now();
    await until(probe, () => probe.samples.length >= 3 || probe.problems.length > 0 || probe.ended, 8_000);
    if (probe.problems.length > 0) throw new CheckFailure(`a sample the contract's schema refuses: ${probe.problems[0]}`);
    if (probe.samples.length < 3) throw new CheckFailure(`${probe.samples.length} samples in ${((performance.now() - started) / 1000).toFixed(1)} s${probe.ended ? ' and the stream ended' : ''}; a driver declaring capabilities.stats sends one about each second while the VM runs`);
    const later = probe.samples.slice(1);
    if (later.some((s) => s.cpuPercent === null)) throw new CheckFailure('cpuPercent is null after the first sample; only a stream\'s first sample lacks an interval to measure over');
    const last = probe.samples.at(-1) as StatsSample;
    return `${probe.samples.length} samples; the last: CPU ${last.cpuPercent?.toFixed(1)} %, memory ${(last.memoryBytes / 1024 ** 2).toFixed(0)} MiB, disk ${last.disk ? 'reported' : 'null'}, network ${last.network ? 'reported' : 'null'}`;
  },
};

export const endsWithVm: ConformanceCheck = {
  group: 'stats', name: 'ends', title: 'stats: the stream ends once the VM has stopped', timeoutMs: () => 10_000, needs: ['stats/samples', 'lifecycle/stop'],
  async run(state) {
    const probe = probes.get(state);
    if (!probe) throw new CheckFailure('no stats stream was opened');
    const count = probe.samples.length;
    if (!(await until(probe, () => probe.ended, 5_000))) {
      throw new CheckFailure(`the stats stream did not end within 5 s of stop() (${probe.samples.length - count} samples meanwhile); end it (context.streams.end) when the VM goes, so the engine stops showing figures`);
    }
    (await state.host.streams()).forget(probe.id);
    return 'ended';
  },
};

export const undeclared: ConformanceCheck = {
  group: 'stats', name: 'undeclared', title: 'stats: without the capability, openStats() is UNSUPPORTED', timeoutMs: (t) => t.call, needs: ['handshake/engine'],
  skipIf: (state) => state.offers('stats')(),
  async run(state) {
    await state.calls.refuse('UNSUPPORTED', 'capabilities.stats is false', 'openStats', 'openStats() without the stats capability', state.bare, `conformance-stats-${randomBytes(4).toString('hex')}`);
    return 'refused';
  },
};
