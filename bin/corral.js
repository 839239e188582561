#!/usr/bin/env node
// The `corral` command. Node 22.18+ runs the TypeScript sources directly; an older `node` first
// on PATH (Node 20 on many machines) cannot even load them. So this file is plain JavaScript
// that any Node can parse: on an old Node it re-runs itself with the project's own Node
// (node_modules/.bin/node, from the `node` dev dependency) or says in one line what to do.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants, homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const projectNode = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  // CORRAL_REEXEC: the project's Node turned out too old as well; say so rather than loop.
  if (!existsSync(projectNode) || process.env.CORRAL_REEXEC) {
    process.stderr.write(`corral needs Node 22.18 or newer (found v${process.versions.node}); run it through npm run corral or node_modules/.bin/node\n`);
    process.exit(1);
  }
  const child = spawn(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CORRAL_REEXEC: '1' },
  });
  // Ctrl-C reaches the whole foreground group, the child included: wait for it to end. A signal
  // sent to this process alone is passed on, so the child is never left behind.
  process.on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.once('error', (error) => {
    process.stderr.write(`corral: cannot run ${projectNode}: ${error.message}\n`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 0)));
} else {
  // Compiling the TypeScript sources is most of a short command's time (`corral shell x -- true`
  // pays it twice: here and in the driver process). Node's compile cache keeps the result, in
  // the user's own cache folder (not a shared temp one: cached code is trusted), for this
  // process and, through the variable, the built-in drivers it forks (sandboxed ones get a
  // clean environment).
  const { enableCompileCache } = await import('node:module');
  process.env.NODE_COMPILE_CACHE ??= join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'corral', 'node-compile-cache');
  enableCompileCache?.(process.env.NODE_COMPILE_CACHE);
  const { main } = await import('../src-main/corral.ts');
  process.exitCode = await main(process.argv.slice(2));
}
