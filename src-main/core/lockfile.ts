// proper-lockfile, loaded on first use: at import it hooks every signal and process exit
// (signal-exit), which each engine start paid before it could answer anything.
import type lockfileModule from 'proper-lockfile';

let loaded: Promise<typeof lockfileModule> | undefined;

export function properLockfile(): Promise<typeof lockfileModule> {
  loaded ??= import('proper-lockfile').then((module) => module.default);
  return loaded;
}
