// Download progress for `corral start`: a bar per artifact on a terminal; otherwise (scripts,
// logs) one JSON line per artifact that took real work (downloaded, verified or decompressed),
// when it is done, and nothing for one already there. Both on stderr, so stdout keeps the
// command's result.
import type { Engine } from '../core/engine.ts';
import type { EngineEvent } from '../core/events.ts';
import { formatSize } from '../core/instances/sizes.ts';

type Progress = Extract<EngineEvent, { type: 'download-progress' }>;

const barWidth = 24;

function bar(p: Progress): string {
  const fraction = p.total ? Math.min(1, p.bytes / p.total) : 0;
  const filled = Math.round(fraction * barWidth);
  const percent = p.total ? `${Math.floor(fraction * 100)}%`.padStart(4) : '  ? ';
  const rate = p.rate > 0 ? `${formatMiB(p.rate)}/s` : '';
  const eta = p.etaSeconds !== null && (p.phase === 'download' || p.phase === 'upload') ? `eta ${Math.ceil(p.etaSeconds)}s` : '';
  return `${p.artifact.padEnd(7)} ${p.phase.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${percent} ${formatMiB(p.bytes)} ${rate} ${eta}`.trimEnd();
}

function formatMiB(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)}MiB` : formatSize(Math.max(1, Math.round(bytes)));
}

/** The phases in which an artifact takes real work (downloaded, verified, decompressed, or uploaded by its driver). */
const workPhases: ReadonlySet<string> = new Set(['download', 'verify', 'decompress', 'upload']);

/** Shows `instance`'s download progress until the returned function is called. */
export function showProgress(engine: Engine, instance: string, stream: NodeJS.WriteStream = process.stderr): () => void {
  let lastLine = '';
  /** Per artifact (and URL) under way: the phases it went through, and since when. */
  const working = new Map<string, { phases: Set<string>; since: number }>();
  const off = engine.events.on((event) => {
    if (event.type !== 'download-progress' || event.instance !== instance) return;
    if (!stream.isTTY) {
      const key = `${event.artifact} ${event.url}`;
      if (event.phase !== 'done') {
        if (!workPhases.has(event.phase)) {
          // Queued is waiting, not work; a failure or cancellation is the command's own error.
          if (event.phase !== 'queued') working.delete(key);
          return;
        }
        const work = working.get(key) ?? { phases: new Set<string>(), since: performance.now() };
        work.phases.add(event.phase);
        working.set(key, work);
        return;
      }
      const work = working.get(key) ?? { phases: new Set<string>(), since: performance.now() };
      working.delete(key);
      if (work.phases.size === 0) return; // already there: no work to report
      const { type: _type, rate: _rate, etaSeconds: _eta, ...progress } = event;
      const seconds = Math.round((performance.now() - work.since) / 100) / 10;
      stream.write(`${JSON.stringify({ progress: { ...progress, work: [...work.phases], seconds } })}\n`);
      return;
    }
    const line = bar(event);
    if (line === lastLine) return;
    lastLine = line;
    stream.write(`\r\x1b[2K${line}${event.phase === 'done' ? '\n' : ''}`);
  });
  return () => {
    off();
    if (stream.isTTY && lastLine && !lastLine.includes(' done ')) stream.write('\n');
  };
}
