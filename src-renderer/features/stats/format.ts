// Figures in words a person reads at a glance.
import { formatBytes } from '../../ui/format.ts';

/** "37 %": whole numbers; below 10 one decimal, so an idle VM reads 0.4 %, not 0 %. */
export function formatPercent(percent: number): string {
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)} %`;
}

/** "1.2 MiB/s"; null (not reported) is a dash. */
export function formatRate(bytesPerSecond: number | null | undefined): string {
  return bytesPerSecond === null || bytesPerSecond === undefined ? '–' : `${formatBytes(Math.round(bytesPerSecond))}/s`;
}
