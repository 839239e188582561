// What the instances-move specs share: a `corral instances move` run in the background whose
// progress on stderr the spec waits for, a sparse file standing in for a raw disk, and waiting
// for an engine event.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import type { Engine } from '../src-main/core/engine.ts';
import type { EngineEvent } from '../src-main/core/events.ts';
import { corralBin } from './support/serve.ts';

export interface BackgroundMove {
  child: ChildProcessWithoutNullStreams;
  /** Resolves once the move printed a percentage from `min` to `max` (it rejects if the move ends first). */
  progressBetween(min: number, max: number): Promise<number>;
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function moveInBackground(home: string, target: string, env: NodeJS.ProcessEnv): BackgroundMove {
  const child = spawn(process.execPath, [corralBin, '--home', home, 'instances', 'move', target], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
    for (const waiter of waiters) waiter();
  });
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.once('close', (code, signal) => {
      for (const waiter of waiters) waiter();
      resolve({ code, signal, stderr });
    });
  });
  const progressBetween = (min: number, max: number) => new Promise<number>((resolve, reject) => {
    const check = () => {
      const seen = [...stderr.matchAll(/Moving the instances folder: (\d+) %/g)].map((m) => Number(m[1]));
      const hit = seen.find((p) => p >= min && p <= max);
      if (hit !== undefined) return done(() => resolve(hit));
      if (child.exitCode !== null || child.signalCode !== null) done(() => reject(new Error(`the move ended before printing ${min}-${max} %: ${stderr}`)));
    };
    const done = (settle: () => void) => { waiters.delete(check); settle(); };
    waiters.add(check);
    check();
  });
  child.stdin.end();
  return { child, progressBetween, ended };
}

/** A sparse file of `size` bytes holding `data` at `offset` and holes elsewhere (what a raw disk looks like). */
export async function writeSparse(file: string, size: number, offset: number, data: Buffer): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.truncate(size);
    await handle.write(data, 0, data.length, offset);
  } finally {
    await handle.close();
  }
}

/** The bytes of `file` at `offset`. */
export async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Resolves with the first event from now on that `matches`. */
export function nextEvent(engine: Engine, matches: (event: EngineEvent) => boolean, timeoutMs = 30_000): Promise<EngineEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no matching engine event within ${timeoutMs} ms`)); }, timeoutMs);
    const off = engine.events.on((event) => {
      if (!matches(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}
