// GUIDE.md's examples marked `<!-- compiles ... -->` type-check against this SDK under the
// project's strict settings, so the guide cannot drift from the contract it explains. Each is
// written beside the SDK (as src-drivers/NAME/main.ts would be) and compiled, then removed.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const sdk = import.meta.dirname;
const repo = path.resolve(sdk, '../..');

/** The ```ts blocks that follow a `<!-- compiles` marker. */
function compiledExamples(guide: string): string[] {
  return [...guide.matchAll(/<!-- compiles[^>]*-->\s*```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

describe('GUIDE.md', () => {
  it('has examples that compile against the SDK', async () => {
    const examples = compiledExamples(await fs.readFile(path.join(sdk, 'GUIDE.md'), 'utf8'));
    assert.ok(examples.length >= 1, 'the settings section\'s example is marked');
    const folder = await fs.mkdtemp(path.join(sdk, '..', '.guide-example-'));
    try {
      const files = await Promise.all(examples.map(async (code, i) => {
        const file = path.join(folder, `example-${i}.ts`);
        await fs.writeFile(file, code);
        return file;
      }));
      const config = ts.getParsedCommandLineOfConfigFile(path.join(repo, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
      assert.ok(config, 'tsconfig.json is read');
      const program = ts.createProgram(files, config.options);
      const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.formatDiagnostic(d, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => repo, getNewLine: () => '\n' }));
      assert.deepEqual(problems, []);
    } finally {
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
