// The instance page's live figures: CPU, memory and network (in and out) over the last minute as
// small graphs, with the latest values in words, and disk and network rates. Plain SVG polylines, not a chart
// library: a few lines of 60 points redrawn once a second need no more, they follow the theme's
// colours through CSS, and the renderer bundle (whose size the issue counts) stays as it is.
import type { Instance, StatsSample } from '../../../src-main/api/contract.ts';
import { formatBytes } from '../../ui/format.ts';
import { formatPercent, formatRate } from './format.ts';
import { historyLength, useInstanceStats } from './store.ts';
import { useOnline } from '../connection/store.ts';
import { driverName } from '../instances/driver-name.ts';

export function StatsSection({ instance }: { instance: Instance }) {
  const running = instance.state === 'Running' || instance.state === 'Paused';
  const { samples, ended } = useInstanceStats(instance.name, running);
  const online = useOnline();
  if (!running) return null;
  const latest = samples.at(-1);
  const cpuMax = Math.max(100, Math.ceil(Math.max(0, ...samples.map((s) => s.cpuPercent ?? 0)) / 100) * 100);
  // The VM's process can hold more than the guest was given (the hypervisor's own memory): the
  // axis holds both, with room above the highest figure so its line is not cut at the top edge.
  const memoryMax = roundedUp(headroom * Math.max(instance.memoryBytes, ...samples.map((s) => s.memoryBytes)));
  const networkMax = roundedUp(Math.max(1024, ...samples.flatMap((s) => [s.network?.rxRate ?? 0, s.network?.txRate ?? 0])));
  return (
    <section className="stats" aria-labelledby="stats-title">
      <h2 id="stats-title">Activity <span className="stats-note">last minute, from the host</span></h2>
      {ended && !latest ? <p className="stats-note" data-testid="stats-ended">No live figures: {ended}</p> : null}
      {!ended && !latest && online ? <p className="stats-note" role="status">Waiting for the first figures…</p> : null}
      {!ended && !latest && !online ? <p className="stats-note">No live figures while Corral cannot be reached.</p> : null}
      {latest ? (
        <div className="stats-grid">
          <Graph
            label="CPU" testId="stats-cpu" max={cpuMax}
            values={samples.map((s) => s.cpuPercent)}
            figures={[latest.cpuPercent === null ? '…' : formatPercent(latest.cpuPercent)]}
            scale={`0–${cpuMax} % of one core`}
          />
          <Graph
            label="Memory" testId="stats-memory" max={memoryMax}
            values={samples.map((s) => s.memoryBytes)}
            figures={[formatBytes(Math.round(latest.memoryBytes))]}
            // The VM's process holds the guest's memory and its own (QEMU's TCG code cache: hundreds of MiB), so the figure passes what the guest was given.
            scale={`0–${formatBytes(memoryMax)}; the VM’s process, the guest’s ${formatBytes(instance.memoryBytes)} included`}
          />
          {latest.network ? (
            <Graph
              label="Network" testId="stats-network" max={networkMax}
              values={samples.map((s) => s.network?.rxRate ?? null)}
              second={samples.map((s) => s.network?.txRate ?? null)}
              figures={[`in ${formatRate(latest.network.rxRate)}`, `out ${formatRate(latest.network.txRate)}`]}
              scale={`0–${formatRate(networkMax)}; solid in, dashed out`}
            />
          ) : null}
          <IoFigures sample={latest} driver={driverName(instance)} />
        </div>
      ) : null}
    </section>
  );
}

/** How far above the highest figure the memory axis reaches at least: its line stays inside the graph. */
const headroom = 1.1;

/** A scale's top: 1, 2 or 5 times a power of ten of the value's unit (B, KiB, MiB), so it does not jump each second. */
function roundedUp(bytes: number): number {
  const unit = 1024 ** Math.floor(Math.log(bytes) / Math.log(1024));
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].find((n) => n * unit >= bytes) ?? 1024;
  return step * unit;
}

interface GraphProps {
  label: string;
  testId: string;
  values: (number | null)[];
  /** A second line, dashed (network out beside in). */
  second?: (number | null)[];
  max: number;
  /** The latest values, shown under the label; each stays whole on a line (network: in, out). */
  figures: string[];
  scale: string;
}

/** The polyline's points: newest at the right edge; a missing figure (the first CPU sample) leaves no point. */
function pointsOf(values: (number | null)[], max: number): string {
  const offset = historyLength - values.length;
  return values.flatMap((v, i) => (v === null ? [] : [`${offset + i},${(100 - (Math.min(v, max) / max) * 100).toFixed(1)}`])).join(' ');
}

function Graph({ label, testId, values, second, max, figures, scale }: GraphProps) {
  const value = figures.join(' · ');
  return (
    <figure className="stats-graph" data-testid={testId}>
      <figcaption>
        <span data-testid={`${testId}-label`}>{label}</span>
        <strong data-testid={`${testId}-value`}>
          {figures.map((figure, i) => <span key={i} className="stats-figure">{i > 0 ? ' · ' : ''}{figure}</span>)}
        </strong>
      </figcaption>
      <svg viewBox={`0 0 ${historyLength - 1} 100`} preserveAspectRatio="none" role="img" aria-label={`${label} over the last minute, now ${value} (${scale})`}>
        <polyline points={pointsOf(values, max)} vectorEffect="non-scaling-stroke" />
        {second ? <polyline className="second" points={pointsOf(second, max)} vectorEffect="non-scaling-stroke" /> : null}
      </svg>
      <span className="stats-scale">{scale}</span>
    </figure>
  );
}

function IoFigures({ sample, driver }: { sample: StatsSample; driver: string }) {
  const missing = `not reported by the ${driver} driver`;
  return (
    <dl className="stats-io">
      <dt>Disk read</dt><dd data-testid="stats-disk-read">{sample.disk ? formatRate(sample.disk.readRate) : missing}</dd>
      <dt>Disk write</dt><dd>{sample.disk ? formatRate(sample.disk.writeRate) : missing}</dd>
      <dt>Network in</dt><dd data-testid="stats-net-in">{sample.network ? formatRate(sample.network.rxRate) : missing}</dd>
      <dt>Network out</dt><dd>{sample.network ? formatRate(sample.network.txRate) : missing}</dd>
    </dl>
  );
}
