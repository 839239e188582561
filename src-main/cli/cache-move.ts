// `corral cache move DIR` and `corral instances move DIR`: move the download cache or the
// instances folder (the engine's moveCache, moveInstances) and show how far they got on stderr:
// a redrawn line on a terminal, one line per tenth otherwise.
import path from 'node:path';
import type { Engine } from '../core/engine.ts';
import { humanSize } from './format.ts';

export async function cacheMoveCommand(engine: Engine, dir: string, stream: NodeJS.WriteStream = process.stderr): Promise<string> {
  const moved = await withProgress(engine, 'cache-move', 'Moving the download cache', stream, () => engine.moveCache(path.resolve(dir)));
  return `Moved the download cache (${humanSize(moved.bytes)}) from ${moved.from} to ${moved.to}; later starts use it. ${moved.from} is now a link to it, since instance disks made before the move name their base images by that path.`;
}

export async function instancesMoveCommand(engine: Engine, dir: string, stream: NodeJS.WriteStream = process.stderr): Promise<string> {
  const moved = await withProgress(engine, 'instances-move', 'Moving the instances folder', stream, () => engine.moveInstances(path.resolve(dir)));
  return `Moved the instances folder (${humanSize(moved.bytes)}) from ${moved.from} to ${moved.to}; later starts use it, and ${moved.from} is now a link to it.`;
}

async function withProgress<T>(engine: Engine, type: 'cache-move' | 'instances-move', label: string, stream: NodeJS.WriteStream, move: () => Promise<T>): Promise<T> {
  let lastTenth = -1;
  const off = engine.events.on((event) => {
    if (event.type !== type || event.phase !== 'copying') return;
    const percent = event.total === 0 ? 100 : Math.floor((event.bytes / event.total) * 100);
    const line = `${label}: ${percent} % (${humanSize(event.bytes)} of ${humanSize(event.total)})`;
    if (stream.isTTY) return void stream.write(`\r\x1b[2K${line}`);
    if (Math.floor(percent / 10) === lastTenth) return;
    lastTenth = Math.floor(percent / 10);
    stream.write(`${line}\n`);
  });
  try {
    const moved = await move();
    if (stream.isTTY) stream.write('\n');
    return moved;
  } finally {
    off();
  }
}
