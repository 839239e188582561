// Where the engine's own helper processes (the built-in drivers, the host agent, the template
// parser's worker) are run from. From the sources, their .ts entries; from the CLI bundle
// (scripts/build-cli.ts writes dist/cli/corral.js with drivers/ and workers/ beside it), the
// bundled .js files beside it: a CLI that parses no TypeScript forks nothing that does, so any
// Node from 20 runs all of it. The Electron shell passes its own paths (src-main/electron/paths.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The running module's file: this source file, or the bundle it was built into. (Not
 * import.meta.url: the bundlers rewrite that to each source's own location.)
 */
const runningFile = import.meta.filename;

/** The entry to run: `source` from the sources, `bundled` (relative to the bundle) from a bundle. */
export function helperEntry(source: URL, bundled: string): string {
  return runningFile.endsWith('.ts') ? fileURLToPath(source) : path.join(path.dirname(runningFile), bundled);
}
