// A local ESLint rule in the spirit of VS Code's `code-layering`: every file belongs to a layer
// named by its folder, and an import is allowed only into the layers that layer may use.
// Relative imports are resolved against the importing file, so `../../sdk/x.ts` and
// `../libvirt/x.ts` are judged by where they land, not by how the path is spelled.
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');

/** Layers, most specific first. `allow` lists the layers (and externals) a layer may import. */
export const layers = [
  { name: 'electron-shell', dir: 'src-main/electron', allow: ['electron-shell', 'engine', 'api', 'sdk', 'node', 'packages', 'electron'] },
  { name: 'api', dir: 'src-main/api', allow: ['api', 'engine', 'sdk', 'node', 'packages'] },
  { name: 'engine', dir: 'src-main', allow: ['engine', 'api', 'sdk', 'node', 'packages'] },
  { name: 'sdk', dir: 'src-drivers/sdk', allow: ['sdk', 'node', 'packages'] },
  { name: 'driver', dir: 'src-drivers', allow: ['sdk', 'same-driver', 'node', 'packages'] },
  { name: 'renderer', dir: 'src-renderer', allow: ['renderer', 'api', 'packages'] },
  { name: 'tests', dir: 'e2e', allow: ['engine', 'api', 'sdk', 'tests', 'node', 'packages', 'renderer', 'driver'] },
  { name: 'bench', dir: 'bench', allow: ['engine', 'api', 'sdk', 'bench', 'tests', 'node', 'packages'] },
];

const why = {
  electron: "only src-main/electron/ may import 'electron' (it cannot load outside Electron)",
  node: 'the renderer runs sandboxed in a browser: no Node built-ins',
  driver: 'the engine reaches a driver only as a process, by its entry path; drivers share code only through src-drivers/sdk/',
  engine: 'this layer may not reach into the engine',
  api: 'the renderer may import only types from src-main/api/ (use `import type`)',
};

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
      // A test may use the shared test support in e2e/ whatever layer it tests.
      let ok = from.allow.includes(to.kind) || (to.kind === 'tests' && /\.test\.tsx?$/.test(file));
      if (to.kind === 'driver' && from.name === 'driver') ok = driverName(to.target) === driverName(file);
      if (to.kind === 'api' && from.allow.includes('api-types')) ok = typeOnly;
      if (ok) return;
      const reason = why[to.kind] ?? `layer '${from.name}' may not import layer '${to.kind}'`;
      context.report({ node, message: `Layering: '${spec}' is not allowed here: ${reason}.` });
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
