// `corral serve [--port N]`: starts the web shell, prints the address to open, and runs until
// Ctrl-C / SIGTERM. The caller (the CLI) closes the engine afterwards.
import type { Engine } from '../core/engine.ts';
import { startServer } from './server.ts';

export async function serveCommand(engine: Engine, options: { port?: string | undefined; staticDir?: string }): Promise<void> {
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a number from 0 to 65535, not "${options.port}"`);
  const server = await startServer({ engine, port, ...(options.staticDir ? { staticDir: options.staticDir } : {}) });
  process.stdout.write(`Corral is serving on 127.0.0.1:${server.port}. Open this address (it holds this run's access token):\n  ${server.url}\nPress Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
}
