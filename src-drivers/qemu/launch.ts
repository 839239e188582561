// Starts QEMU detached from the driver. With -daemonize the process we spawn forks the VM
// process (new session, stdio on /dev/null, not our child) and exits 0 only once the VM is set
// up, or non-zero with the reason logged: its exit is the readiness signal, no polling.
//
// Where QEMU's messages go: its -D log (qemu.log, truncated by QEMU at each start) receives
// stderr from the end of option parsing on. Only errors in the options themselves reach the
// stderr we give it, so that is a pipe read here and folded into the error.
import { spawn } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { DriverError } from '../sdk/index.ts';
import { ensurePrivateDir } from '../sdk/private-dir.ts';
import type { QemuCommand } from './argv.ts';
import type { InstancePaths } from './paths.ts';

const LOG_TAIL_LINES = 15;

export async function launchQemu(binaryPath: string, command: QemuCommand, paths: InstancePaths): Promise<void> {
  if (process.platform === 'win32') {
    // QEMU has no -daemonize on Windows; a detached spawn with a QMP readiness wait goes here.
    throw new DriverError('UNSUPPORTED', 'starting VMs with the qemu driver is not implemented on Windows yet');
  }
  await ensurePrivateDir(paths.runtimeDir);
  // Leftovers of a QEMU that was killed: it removes these itself only on a clean exit.
  await Promise.all([paths.pidFile, paths.qmpSocket, paths.serialSocket].map((f) => rm(f, { force: true })));

  let early = '';
  const outcome = await new Promise<string | undefined>((resolve, reject) => {
    const child = spawn(binaryPath, command.args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { early = (early + chunk).slice(-8_000); });
    child.once('error', (error) => reject(new DriverError('MISSING_BINARY', `cannot run ${binaryPath}: ${error.message}`, { binary: binaryPath })));
    // 'close', not 'exit': the stderr pipe is drained by then.
    child.once('close', (code, signal) => resolve(code === 0 ? undefined : signal ? `killed by ${signal}` : `exit code ${code}`));
  });
  if (outcome) {
    const said = [early.trim(), await readTail(paths.log)].filter(Boolean).join('\n');
    throw new DriverError('VM_FAILED', `QEMU failed to start (${outcome}): ${said || 'it printed nothing'} (log: ${paths.log})`, { log: paths.log });
  }
}

/** The last lines of a file, or '' when it does not exist. */
export async function readTail(file: string): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - 16 * 1024);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8').trim().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  } finally {
    await handle.close();
  }
}
