// `npm start`: the desktop app from this checkout. Checks for the Electron binary first (without
// triggering its download), builds the renderer, the CLI bundle and the Electron bundles, then runs `electron .`.
// Where there is no Electron binary, the same UI runs from `corral serve` in a browser tab.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { findElectron } from '../e2e/support/electron.ts';

const root = path.resolve(import.meta.dirname, '..');
const electron = findElectron();

function run(args: string[]): void {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);
run(['scripts/build-cli.ts']); // bin/corral.js runs this bundle while it is up to date
if ('missing' in electron) {
  process.stderr.write([
    'The Electron binary is not installed, so the desktop window cannot open here:',
    `  ${electron.missing}`,
    '(Electron fetches its binary from GitHub on first use.) Serving the same UI on 127.0.0.1',
    'instead: open the address printed below in a browser.',
    '',
  ].join('\n'));
}
if (!('missing' in electron)) run(['scripts/build-electron.ts']);
const [command, args] = 'missing' in electron
  ? [process.execPath, ['src-main/corral.ts', 'serve', ...process.argv.slice(2)]]
  : [electron.path, ['.', ...process.argv.slice(2)]];
const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
