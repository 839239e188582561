// Relative locators inside a template are relative to that template's own folder (or URL). They
// are made absolute before the template is merged into another, so a base in another folder
// keeps pointing at its own files. (`base` locators are resolved by embed.ts.)
import { absoluteLocation, describeLocator, parseLocator } from './locator.ts';
import type { Origin } from './locator.ts';
import { isYamlMap } from './values.ts';
import type { YamlMap } from './values.ts';

function fixLocation(entry: unknown, origin: Origin): void {
  if (isYamlMap(entry) && typeof entry.location === 'string') entry.location = absoluteLocation(entry.location, origin);
}

function each(list: unknown, visit: (entry: unknown, index: number) => void): void {
  if (Array.isArray(list)) list.forEach(visit);
}

/** Rewrites, in place, the relative locators of a freshly parsed document. */
export function useAbsoluteLocators(document: YamlMap, origin: Origin, source: string): void {
  each(document.images, (image) => {
    fixLocation(image, origin);
    if (isYamlMap(image)) {
      fixLocation(image.kernel, origin);
      fixLocation(image.initrd, origin);
    }
  });
  if (isYamlMap(document.containerd)) each(document.containerd.archives, (archive) => fixLocation(archive, origin));
  // Script files of provision and probes: Lima's locator rules apply (no `..`).
  for (const list of ['provision', 'probes'] as const) {
    each(document[list], (entry, index) => {
      if (!isYamlMap(entry)) return;
      const where = { source, dotDot: false };
      if (typeof entry.file === 'string') {
        entry.file = describeLocator(parseLocator(entry.file, origin, { ...where, field: `${list}[${index}].file` }));
      } else if (isYamlMap(entry.file) && typeof entry.file.url === 'string') {
        entry.file.url = describeLocator(parseLocator(entry.file.url, origin, { ...where, field: `${list}[${index}].file.url` }));
      }
    });
  }
}
