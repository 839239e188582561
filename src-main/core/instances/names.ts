// The instance naming rule, shared by the engine, the CLI and (as types) the renderer.
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

export const instanceNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Why `name` is not a valid instance name, or undefined when it is. */
export function instanceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 63) return 'the name is longer than 63 characters';
  if (name === '.' || name === '..') return `"${name}" names a folder, not an instance; start the name with a letter or digit`;
  if (name.includes('..')) return "the name may not contain '..'";
  if (!instanceNamePattern.test(name)) {
    return 'use letters, digits, "-", "_" and "." only, starting with a letter or digit';
  }
  return undefined;
}

export function assertInstanceName(name: string): void {
  const problem = instanceNameProblem(name);
  if (problem) throw new DriverError('INVALID_NAME', `invalid instance name "${name}": ${problem}`, { name });
}
