// Memory and disk sizes as the engine reads them (Lima's notation: every suffix is binary,
// "4G" = "4GiB"), copied because the renderer may not import engine code. Unlike the engine,
// the dialog wants a unit: a bare "4" is 4 bytes there, never what a person means.
const multipliers: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const sizePattern = /^(\d+(?:\.\d+)?)\s*([kmgtp])(i?b)?$/i;

/** Bytes of "512MiB", "4 GiB", "4G"; undefined when it is not such a size. */
export function parseSizeWithUnit(value: string): number | undefined {
  const match = sizePattern.exec(value.trim());
  if (!match) return undefined;
  const [, amount = '', unit = ''] = match;
  const bytes = Math.round(Number(amount) * (multipliers[unit.toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** "4GiB" for 4 GiB, as a field's prefilled value (the largest unit that divides evenly). */
export function sizeField(bytes: number): string {
  for (const [unit, factor] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}
