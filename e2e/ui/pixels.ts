// What the user sees, as colours: pixels read from a real screenshot (the browser decodes it, so
// no PNG library is needed), and WCAG's contrast ratio between two of them.
import type { Page } from 'playwright-core';
import * as z from 'zod';

export type Rgb = [number, number, number];

const rgbList = z.array(z.tuple([z.number(), z.number(), z.number()]));

/** The colours at these viewport points, from one screenshot of the viewport as it is now. */
export async function pixelsAt(page: Page, points: readonly (readonly [number, number])[]): Promise<Rgb[]> {
  const png = (await page.screenshot()).toString('base64');
  const at = points.map(([x, y]) => [Math.floor(x), Math.floor(y)]);
  const read = await page.evaluate(`(async () => {
    const bytes = Uint8Array.from(atob(${JSON.stringify(png)}), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const context = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d');
    context.drawImage(bitmap, 0, 0);
    return ${JSON.stringify(at)}.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data.slice(0, 3)));
  })()`);
  return rgbList.parse(read);
}

function luminance([r, g, b]: Rgb): number {
  const channel = (c: number): number => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

/** WCAG contrast ratio, 1 (same) to 21 (black on white). */
export function contrast(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** The colour seen most often among these (the background behind a few stray glyph pixels). */
export function commonest(colours: readonly Rgb[]): Rgb {
  const counts = new Map<string, { colour: Rgb; n: number }>();
  for (const colour of colours) {
    const key = colour.join(',');
    const entry = counts.get(key) ?? { colour, n: 0 };
    entry.n += 1;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.colour ?? [0, 0, 0];
}
