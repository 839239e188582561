// A local ESLint rule in the spirit of VS Code's `code-layering`: every file belongs to a layer
// named by its folder, and an import is allowed only into the layers that layer may use.
// Relative imports are resolved against the importing file, so `../../sdk/x.ts` and
// `../libvirt/x.ts` are judged by where they land, not by how the path is spelled.
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');

// The front ends' shared pieces, listed once: the engine, the renderer-facing API and the SDK.
const common = ['core', 'api', 'sdk', 'node', 'packages'];

/**
 * Layers, most specific first. `allow` lists the layers (and externals) a layer may import;
 * 'api-types' means type-only imports from src-main/api/.
 */
export const layers = [
  // Front ends: each uses the engine and the API, none reaches into another.
  { name: 'electron-shell', dir: 'src-main/electron', allow: ['electron-shell', ...common, 'engine-api', 'app-files', 'electron'] },
  { name: 'server', dir: 'src-main/server', allow: ['server', ...common, 'engine-api', 'app-files'] },
  { name: 'cli', dir: 'src-main/cli', allow: ['cli', ...common] },
  // The `corral` command's entry: the CLI with the web shell plugged in as `corral serve`.
  { name: 'entry', dir: 'src-main/corral.ts', allow: ['cli', 'server', ...common] },
  // CorralApi over the engine, for the shells that carry it (web shell, Electron).
  { name: 'engine-api', dir: 'src-main/engine-api', allow: ['engine-api', ...common] },
  // The built renderer as files (path checks, MIME types, security headers): both shells serve it.
  { name: 'app-files', dir: 'src-main/app-files', allow: ['app-files', 'node', 'packages'] },
  // Loaded by the renderer too: no engine, no Node.
  { name: 'api', dir: 'src-main/api', allow: ['api', 'sdk', 'packages'] },
  { name: 'core', dir: 'src-main/core', allow: ['core', 'api-types', 'sdk', 'node', 'packages'] },
  // Anything new directly in src-main/ starts as strict as the engine.
  { name: 'src-main', dir: 'src-main', allow: ['src-main', 'core', 'api-types', 'sdk', 'node', 'packages'] },
  { name: 'sdk', dir: 'src-drivers/sdk', allow: ['sdk', 'node', 'packages'] },
  { name: 'driver', dir: 'src-drivers', allow: ['sdk', 'same-driver', 'node', 'packages'] },
  { name: 'renderer', dir: 'src-renderer', allow: ['renderer', 'api', 'packages'] },
  { name: 'tests', dir: 'e2e', allow: [...common, 'engine-api', 'app-files', 'server', 'cli', 'tests', 'renderer', 'driver', 'build-scripts'] },
  // Build scripts bundle the product; tests check what they build (and may import their plugins).
  { name: 'build-scripts', dir: 'scripts', allow: ['build-scripts', ...common, 'tests'] },
  { name: 'bench', dir: 'bench', allow: [...common, 'engine-api', 'server', 'bench', 'tests'] },
];

const frontEnds = new Set(['server', 'cli', 'electron-shell', 'entry']);

// Test support lives in test-support/ folders beside what it tests (scripts/no-test-support.ts
// refuses it in production bundles); product code may not lean on it, tests and other test
// support may. e2e/, bench/ and scripts/ are not product code.
const testSupport = /(^|[\\/])test-support[\\/]/;
const testCode = (file) => testSupport.test(file) || /\.test\.tsx?$/.test(file);
const productLayers = new Set(layers.map((l) => l.name).filter((name) => !['tests', 'build-scripts', 'bench'].includes(name)));

/** Why an import from layer FROM into kind TO is refused: the rule the error teaches. */
function reason(from, to) {
  if (to === 'electron') return "only src-main/electron/ may import 'electron' (it cannot load outside Electron)";
  if (to === 'node' && from === 'renderer') return 'the renderer runs sandboxed in a browser: no Node built-ins';
  if (from === 'api') return 'src-main/api/ is loaded by the renderer too: types, schemas and the method table only, no engine code and no Node built-ins';
  if (to === 'driver') return 'the engine reaches a driver only as a process, by its entry path; drivers share code only through src-drivers/sdk/';
  if (to === 'api' && from === 'core') return 'the engine may name the API’s types (use `import type`), not run its code';
  if (from === 'core' || from === 'src-main') return `the engine (src-main/core/) knows no front end: it may not import ${to}`;
  if (from === 'electron-shell' && to === 'server') return 'the Electron shell uses the web shell’s pieces only through what both share (src-main/api/, src-main/engine-api/, src-main/app-files/)';
  if (frontEnds.has(from) && frontEnds.has(to)) return `front ends do not import each other (${from} -> ${to}): share through src-main/core/ and src-main/api/`;
  if (from === 'driver' || from === 'sdk' || from === 'renderer') return 'this layer may not reach into the engine';
  return `layer '${from}' may not import layer '${to}'`;
}

function layerOf(file) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  return layers.find((l) => rel === l.dir || rel.startsWith(l.dir + '/'));
}

function driverName(file) {
  const rel = path.relative(path.join(root, 'src-drivers'), file).split(path.sep);
  return rel[0];
}

function classify(spec, file) {
  if (spec === 'electron' || spec.startsWith('electron/')) return { kind: 'electron' };
  if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) return { kind: 'node' };
  if (!spec.startsWith('.')) return { kind: 'packages' };
  const target = path.resolve(path.dirname(file), spec);
  const layer = layerOf(target);
  return { kind: layer ? layer.name : 'outside', target };
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the layering rules of DESIGN.md' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (!from) return {};
    function check(node, spec, typeOnly) {
      if (typeof spec !== 'string') return;
      const to = classify(spec, file);
      if (to.target && testSupport.test(to.target) && productLayers.has(from.name) && !testCode(file)) {
        context.report({ node, message: `Layering: '${spec}' is test support: only tests and other test support may import it (production bundles refuse it).` });
        return;
      }
      // A test may use the shared test support in e2e/ whatever layer it tests.
      let ok = from.allow.includes(to.kind) || (to.kind === 'tests' && /\.test\.tsx?$/.test(file));
      if (to.kind === 'driver' && from.name === 'driver') ok = driverName(to.target) === driverName(file);
      if (to.kind === 'api' && from.allow.includes('api-types')) ok = typeOnly;
      if (ok) return;
      context.report({ node, message: `Layering: '${spec}' is not allowed here: ${reason(from.name, to.kind)}.` });
    }
    return {
      ImportDeclaration(node) {
        const typeOnly = node.importKind === 'type' || (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
        check(node.source, node.source.value, typeOnly);
      },
      ExportNamedDeclaration(node) { if (node.source) check(node.source, node.source.value, node.exportKind === 'type'); },
      ExportAllDeclaration(node) { check(node.source, node.source.value, node.exportKind === 'type'); },
      ImportExpression(node) { if (node.source.type === 'Literal') check(node.source, node.source.value, false); },
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node.arguments[0], node.arguments[0].value, false);
        }
      },
    };
  },
};
