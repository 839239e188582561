// The engine's create and edit warnings put onto the fields they are about (the engine names the
// field), so each shows under its field; one about no field stays with the form.
import type { CreateResult } from '../../../src-main/api/contract.ts';

type Warning = CreateResult['warnings'][number];

export interface FieldWarnings {
  cpus?: string;
  memory?: string;
  disk?: string;
  other: string[];
}

export function warningsByField(warnings: readonly Warning[]): FieldWarnings {
  const sorted: FieldWarnings = { other: [] };
  for (const { field, message } of warnings) {
    if (field !== undefined && sorted[field] === undefined) sorted[field] = sentence(message);
    else sorted.other.push(sentence(message));
  }
  return sorted;
}

const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

export const warningCount = (warnings: FieldWarnings): number =>
  (warnings.cpus ? 1 : 0) + (warnings.memory ? 1 : 0) + (warnings.disk ? 1 : 0) + warnings.other.length;
