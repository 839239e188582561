// The engine's instance naming rule, copied (the renderer may not import code from
// src-main, only types). e2e/ui/name-rule.test.ts checks this copy against the engine's
// instanceNameProblem() on the same names, so the two cannot drift apart silently. The
// engine checks again on create; this copy only gives feedback while typing.
const pattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Why `name` is not a valid instance name, or undefined when it is. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.length > 63) return 'the name is longer than 63 characters';
  if (name === '.' || name === '..') return `"${name}" names a folder, not an instance; start the name with a letter or digit`;
  if (name.includes('..')) return "the name may not contain '..'";
  if (!pattern.test(name)) return 'use letters, digits, "-", "_" and "." only, starting with a letter or digit';
  return undefined;
}
