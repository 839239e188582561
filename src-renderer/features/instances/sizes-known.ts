// Whether an instance's CPUs, memory and disk are its own. A Broken instance whose lima.yaml
// cannot be read (or names no driver) comes with Lima's default figures, which it never had: the
// list and the page show them as not known, and the list's sort puts them last.
import type { Instance } from '../../../src-main/api/contract.ts';

export function sizesKnown(instance: Pick<Instance, 'state' | 'driver' | 'configProblem'>): boolean {
  return !(instance.state === 'Broken' && (instance.configProblem !== undefined || instance.driver === undefined));
}
