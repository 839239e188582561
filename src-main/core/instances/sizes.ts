// Memory and disk sizes in Lima's notation. Lima parses them with go-units' RAMInBytes, where
// every suffix is binary: "4G", "4GB" and "4GiB" are all 4 * 1024^3 bytes. And sizes for
// people (humanSize), which the CLI and the engine's messages share; the renderer, which may
// not import engine code, has its own formatBytes.

const multipliers: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const sizePattern = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i;

/** Parses "256MiB", "4GiB", "4G" or a plain number of bytes; returns undefined when malformed. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const match = sizePattern.exec(value.trim());
  if (!match) return undefined;
  const [, amount = '', unit = ''] = match;
  const bytes = Math.round(Number(amount) * (multipliers[unit.toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** Formats bytes the way Lima writes them: the largest binary unit that divides evenly. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** A size for people: one decimal in the largest binary unit that fits ("1.5 GiB"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
