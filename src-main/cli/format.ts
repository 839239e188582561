// Plain-text rendering for the CLI: tables, sizes and counts.
import { formatSize, humanSize } from '../core/instances/sizes.ts';

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "1 CPU", "2 CPUs": a count of CPUs as a sentence says it. */
export function cpuCount(cpus: number): string {
  return `${cpus} ${cpus === 1 ? 'CPU' : 'CPUs'}`;
}

export { formatSize, humanSize };
