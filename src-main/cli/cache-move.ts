// `corral cache move DIR`: moves the download cache (the engine's moveCache) and shows how far
// it got on stderr: a redrawn line on a terminal, one line per tenth otherwise.
import path from 'node:path';
import type { Engine } from '../core/engine.ts';
import { humanSize } from './format.ts';

export async function cacheMoveCommand(engine: Engine, dir: string, stream: NodeJS.WriteStream = process.stderr): Promise<string> {
  let lastTenth = -1;
  const off = engine.events.on((event) => {
    if (event.type !== 'cache-move' || event.phase !== 'copying') return;
    const percent = event.total === 0 ? 100 : Math.floor((event.bytes / event.total) * 100);
    const line = `Moving the download cache: ${percent} % (${humanSize(event.bytes)} of ${humanSize(event.total)})`;
    if (stream.isTTY) return void stream.write(`\r\x1b[2K${line}`);
    if (Math.floor(percent / 10) === lastTenth) return;
    lastTenth = Math.floor(percent / 10);
    stream.write(`${line}\n`);
  });
  try {
    const moved = await engine.moveCache(path.resolve(dir));
    if (stream.isTTY) stream.write('\n');
    return `Moved the download cache (${humanSize(moved.bytes)}) from ${moved.from} to ${moved.to}; later starts use it. ${moved.from} is now a link to it, since instance disks made before the move name their base images by that path.`;
  } finally {
    off();
  }
}
