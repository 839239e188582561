// The Electron back end for driver processes: utilityProcess.fork, which isolates crashes
// (not privileges: it is not OS-sandboxed). Frames travel over the child's own port; the
// driver side finds it as process.parentPort (see src-drivers/sdk/serve.ts).
import fs from 'node:fs';
import path from 'node:path';
import { utilityProcess } from 'electron';
import { createLink } from '../../src-drivers/sdk/link.ts';
import type { ProcessExit, SpawnDriverProcess } from '../core/drivers/process.ts';

/** dist/drivers/qemu.js -> "qemu"; src-drivers/qemu/main.ts -> "qemu". */
function driverLabel(entry: string): string {
  const base = path.basename(entry, path.extname(entry));
  return base === 'main' ? path.basename(path.dirname(entry)) : base;
}

export const utilityDriverProcess: SpawnDriverProcess = ({ entry, logFile, env }) => {
  fs.mkdirSync(path.dirname(logFile), { recursive: true, mode: 0o700 });
  const log = fs.createWriteStream(logFile, { flags: 'a', mode: 0o600 }); // owner-only, as openDriverLog (core/drivers/process.ts)
  const child = utilityProcess.fork(entry, [], {
    serviceName: `corral-driver-${driverLabel(entry)}`,
    stdio: 'pipe',
    env: env ?? process.env,
  });
  // An unwritable log must not end the app: an unheard 'error' event throws in the main process.
  log.on('error', () => undefined);
  // Electron's 'error' (a fatal V8 error in the driver) is followed by 'exit', which settles `exited`.
  child.on('error', (type, location) => log.write(`engine: the driver process failed: ${type} at ${location}\n`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code) => {
      log.end();
      resolve({ code, signal: null });
    });
  });
  const link = createLink(
    (frame) => child.postMessage(frame),
    (deliver) => {
      child.on('message', deliver);
      return () => child.off('message', deliver);
    },
    (problem) => log.write(`engine: dropped a frame from the driver: ${problem}\n`),
  );
  return { get pid() { return child.pid; }, link, exited, kill: () => { child.kill(); } }; // utilityProcess.kill() takes no signal
};
