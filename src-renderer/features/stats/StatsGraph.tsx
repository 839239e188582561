// The instance page's live figures: CPU and memory over the last minute as two small graphs,
// with the latest values in words, and disk and network rates. Plain SVG polylines, not a chart
// library: two lines of 60 points redrawn once a second need no more, they follow the theme's
// colours through CSS, and the renderer bundle (whose size the issue counts) stays as it is.
import type { Instance, StatsSample } from '../../../src-main/api/contract.ts';
import { formatBytes } from '../../ui/format.ts';
import { formatPercent, formatRate } from './format.ts';
import { historyLength, useInstanceStats } from './store.ts';

export function StatsSection({ instance }: { instance: Instance }) {
  const running = instance.state === 'Running' || instance.state === 'Paused';
  const { samples, ended } = useInstanceStats(instance.name, running);
  if (!running) return null;
  const latest = samples.at(-1);
  const cpuMax = Math.max(100, Math.ceil(Math.max(0, ...samples.map((s) => s.cpuPercent ?? 0)) / 100) * 100);
  const memoryMax = Math.max(instance.memoryBytes, ...samples.map((s) => s.memoryBytes));
  return (
    <section className="stats" aria-labelledby="stats-title">
      <h2 id="stats-title">Activity <span className="stats-note">last minute, from the host</span></h2>
      {ended && !latest ? <p className="stats-note" data-testid="stats-ended">No live figures: {ended}</p> : null}
      {!ended && !latest ? <p className="stats-note" role="status">Waiting for the first figures…</p> : null}
      {latest ? (
        <div className="stats-grid">
          <Graph
            label="CPU" testId="stats-cpu" max={cpuMax}
            values={samples.map((s) => s.cpuPercent)}
            value={latest.cpuPercent === null ? '…' : formatPercent(latest.cpuPercent)}
            scale={`0–${cpuMax} % of one core`}
          />
          <Graph
            label="Memory" testId="stats-memory" max={memoryMax}
            values={samples.map((s) => s.memoryBytes)}
            value={formatBytes(Math.round(latest.memoryBytes))}
            scale={`0–${formatBytes(memoryMax)}`}
          />
          <IoFigures sample={latest} driver={instance.driver} />
        </div>
      ) : null}
    </section>
  );
}

interface GraphProps {
  label: string;
  testId: string;
  values: (number | null)[];
  max: number;
  value: string;
  scale: string;
}

function Graph({ label, testId, values, max, value, scale }: GraphProps) {
  // Newest at the right edge; a missing figure (the first CPU sample) leaves no point.
  const offset = historyLength - values.length;
  const points = values.flatMap((v, i) => (v === null ? [] : [`${offset + i},${(100 - (Math.min(v, max) / max) * 100).toFixed(1)}`]));
  return (
    <figure className="stats-graph" data-testid={testId}>
      <figcaption><span>{label}</span> <strong data-testid={`${testId}-value`}>{value}</strong></figcaption>
      <svg viewBox={`0 0 ${historyLength - 1} 100`} preserveAspectRatio="none" role="img" aria-label={`${label} over the last minute, now ${value} (${scale})`}>
        <polyline points={points.join(' ')} vectorEffect="non-scaling-stroke" />
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
