// Small helpers shared by the benchmarks: percentiles and the report line.

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** One line per benchmark: the ratio first, since absolute times on these machines are noise. */
export function report(name: string, ratio: number, goal: string, detail: string): void {
  process.stdout.write(`${name}: ${ratio.toFixed(2)}x (goal ${goal}) — ${detail}\n`);
}
