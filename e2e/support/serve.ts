// `corral serve` in its own process for tests: the real command on a temp CORRAL_HOME, the
// address it prints, and a helper that waits for a line of its output.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './temp.ts';

export const corralBin = path.join(repoRoot, 'bin', 'corral.js');

/** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
export function printed(child: ChildProcessWithoutNullStreams, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    let stderr = '';
    const timer = setTimeout(() => fail(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout: ${text}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = text.match(pattern);
      if (match) done(() => resolve(match));
    };
    const onStderr = (chunk: Buffer) => { stderr += chunk.toString('utf8'); };
    const onExit = (code: number | null) => fail(new Error(`corral serve exited (${code}) before printing its address: ${stderr}`));
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stderr.off('data', onStderr);
      child.off('exit', onExit);
      settle();
    };
    const fail = (error: Error) => done(() => reject(error));
    child.stdout.on('data', onData);
    child.stderr.on('data', onStderr);
    child.once('exit', onExit);
  });
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  /** The printed address (token included). */
  url: URL;
  token: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `corral serve --port 0` with `env` and resolves once it printed its address. */
export async function startServe(env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [corralBin, 'serve', '--port', '0'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const [, address] = await printed(child, /^\s+(http:\/\/\S+)$/m);
  const url = new URL(address ?? '');
  return { child, url, token: url.searchParams.get('token') ?? '', stderr: () => stderr, exited };
}
