// Memory and disk sizes in the engine's notation (Lima's: every suffix is binary, "4G" =
// "4GiB"), copied because the renderer may not import engine code; e2e/ui/list-view.test.ts
// checks this copy against the engine's parseSize() on the same inputs. The engine checks
// again on create and edit.
const multipliers: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };
const sizePattern = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i;

/**
 * The bytes "4GiB" stands for, or undefined when it is not a size. `unitRequired`: a bare "4"
 * is 4 bytes to the engine, never what a person typing in the create dialog means.
 */
export function sizeBytes(value: string, options: { unitRequired?: boolean } = {}): number | undefined {
  const match = sizePattern.exec(value.trim());
  if (!match) return undefined;
  const [, amount = '', unit = ''] = match;
  if (options.unitRequired && unit === '') return undefined;
  const bytes = Math.round(Number(amount) * (multipliers[unit.toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** "4GiB" for 4 * 1024^3: the largest binary unit that divides evenly, as Lima writes sizes. */
export function sizeText(bytes: number): string {
  for (const [unit, factor] of [['TiB', 1024 ** 4], ['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}
