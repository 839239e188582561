// `corral serve [--port N] [--new-token]`: starts the web shell, prints the address to open, and
// runs until Ctrl-C / SIGTERM. The caller (the CLI) closes the engine afterwards. The token and
// the port are kept in CORRAL_HOME (serve-record.ts), so a restart answers the open tabs.
import type { Engine } from '../core/engine.ts';
import { loadServeRecord, rememberPort } from './serve-record.ts';
import { startServer } from './server.ts';
import type { RunningServer, ServerOptions } from './server.ts';

export interface ServeOptions {
  port?: string | undefined;
  newToken?: boolean | undefined;
  staticDir?: string;
}

export async function serveCommand(engine: Engine, options: ServeOptions): Promise<void> {
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be a number from 0 to 65535, not "${options.port}"`);
  const record = await loadServeRecord(engine.paths.home, { rotate: options.newToken ?? false });
  const base: ServerOptions = { engine, token: record.token, ...(options.staticDir ? { staticDir: options.staticDir } : {}) };
  const server = port !== undefined ? await startServer({ ...base, port }) : await onLastPort(base, record.port);
  await rememberPort(engine.paths.home, record, server.port);
  const rotated = options.newToken ? ' It has a new access token: tabs opened with the old one must open this address.' : '';
  process.stdout.write(`Corral is serving on 127.0.0.1:${server.port}.${rotated} Open this address (it holds the access token kept in ${engine.paths.home}):\n  ${server.url}\nPress Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
}

/** The port of the last run when it is free (the open tabs are there), else any free one. */
async function onLastPort(base: ServerOptions, lastPort: number): Promise<RunningServer> {
  if (lastPort === 0) return startServer({ ...base, port: 0 });
  try {
    return await startServer({ ...base, port: lastPort });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    return startServer({ ...base, port: 0 });
  }
}
