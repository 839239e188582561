// electron-builder.yml checked offline: parsed, then validated with electron-builder's own
// validator and JSON schema (app-builder-lib's scheme.json, the check `electron-builder` runs
// first). Packaging itself needs the Electron download and cannot run here.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../support/temp.ts';

const require = createRequire(import.meta.url);

type ValidateSchema = (schema: unknown, data: unknown, options?: { name?: string }) => void;

async function builderConfig(): Promise<Record<string, unknown>> {
  return parse(await fs.readFile(path.join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
}

describe('electron-builder.yml', () => {
  it('matches electron-builder’s configuration schema', async () => {
    const libDir = path.dirname(require.resolve('app-builder-lib/package.json'));
    const { validateSchema } = require(path.join(libDir, 'out/util/config/schemaValidator.js')) as { validateSchema: ValidateSchema };
    const scheme: unknown = JSON.parse(await fs.readFile(path.join(libDir, 'scheme.json'), 'utf8'));
    const config = await builderConfig();
    assert.doesNotThrow(() => validateSchema(scheme, structuredClone(config), { name: 'electron-builder' }));
    // The validator does reject a wrong file (so the pass above means something).
    assert.throws(() => validateSchema(scheme, { ...structuredClone(config), asarUnpak: ['x'] }), /asarUnpak/);
  });

  it('targets Linux (AppImage, deb), macOS (dmg) and Windows (nsis), and ships what the shell loads', async () => {
    const config = await builderConfig() as {
      appId: string; files: string[]; asarUnpack: string[];
      linux: { target: string[] }; mac: { target: string[] }; win: { target: string[] };
    };
    assert.equal(config.appId, 'dev.corral.app');
    assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
    assert.deepEqual(config.mac.target, ['dmg']);
    assert.deepEqual(config.win.target, ['nsis']);
    for (const needed of ['package.json', 'dist/electron/**', 'dist/drivers/**', 'dist/renderer/**', 'assets/templates/**']) {
      assert.ok(config.files.includes(needed), `files lists ${needed}`);
    }
    assert.deepEqual(config.asarUnpack, ['dist/drivers/**', 'dist/electron/workers/**'], 'driver bundles and the template parser\'s worker run from real files');
    const pkg = JSON.parse(await fs.readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { main: string };
    assert.equal(pkg.main, 'dist/electron/main.js');
  });
});
