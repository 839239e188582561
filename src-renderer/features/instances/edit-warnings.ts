// The engine's edit warnings (src-main/core/instances/host-fit.ts words them) sorted onto the
// fields they are about, so each shows under its field; any other stays with the form.
export interface FieldWarnings {
  cpus?: string;
  memory?: string;
  other: string[];
}

export function warningsByField(warnings: readonly string[]): FieldWarnings {
  const sorted: FieldWarnings = { other: [] };
  for (const warning of warnings) {
    if (/^memory\b/.test(warning) && sorted.memory === undefined) sorted.memory = upperFirst(warning);
    else if (/^\d+ CPUs\b/.test(warning) && sorted.cpus === undefined) sorted.cpus = upperFirst(warning);
    else sorted.other.push(upperFirst(warning));
  }
  return sorted;
}

const upperFirst = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

export const warningCount = (warnings: FieldWarnings): number =>
  (warnings.cpus ? 1 : 0) + (warnings.memory ? 1 : 0) + warnings.other.length;
