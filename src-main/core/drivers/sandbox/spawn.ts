// The sandboxed back end of SpawnDriverProcess: runs a bundle driver under bubblewrap with
// Node's permission model inside, keeping fork-style IPC (bwrap passes inherited file
// descriptors through, so the 'ipc' pipe and NODE_CHANNEL_FD reach Node unchanged), and
// offers verify(), which the host calls after the handshake before using the driver.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { forkLink, openDriverLog } from '../process.ts';
import type { DriverProcess, ProcessExit, SpawnDriverProcess } from '../process.ts';
import { bwrapCommand } from './bwrap.ts';
import type { SandboxPolicy } from './policy.ts';
import type { SshUser } from './ssh-grant.ts';
import { verifySandbox } from './verify.ts';

export interface SandboxOptions {
  bwrap?: string;
  /** The Node binary to run the driver with; default this process's. */
  node?: string;
  /** Whose SSH identity a bundle declaring `ssh` borrows; default the engine's user (ssh-grant.ts). */
  sshUser?: SshUser;
}

/** Whether bundle drivers can be sandboxed here, and if not, why: said before install and in `corral drivers`. */
export function sandboxSupport(options: SandboxOptions = {}): { enforced: true; by: string } | { enforced: false; reason: string } {
  if (process.platform !== 'linux') return { enforced: false, reason: `no sandbox is implemented for ${process.platform} yet` };
  const bwrap = options.bwrap ?? 'bwrap';
  try {
    // Not just "is it installed": user namespaces may be off, which makes bwrap fail.
    execFileSync(bwrap, ['--unshare-all', '--ro-bind', '/', '/', 'true'], { stdio: 'ignore', timeout: 10_000 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { enforced: false, reason: code === 'ENOENT' ? 'bubblewrap (bwrap) is not installed' : `bubblewrap cannot create a sandbox here (${(error as Error).message.split('\n')[0]})` };
  }
  return { enforced: true, by: 'bubblewrap + Node permission model' };
}

export function sandboxedSpawn(policy: SandboxPolicy, options: SandboxOptions = {}): SpawnDriverProcess {
  return ({ logFile, env }): DriverProcess => {
    // Made before the sandbox is: a folder missing now could not be bound in later.
    for (const dir of [...policy.writable, ...policy.readable]) fs.mkdirSync(dir, { recursive: true });
    const node = fs.realpathSync(options.node ?? process.execPath);
    const command = bwrapCommand(policy, { bwrap: options.bwrap ?? 'bwrap', node });
    const log = openDriverLog(logFile);
    if (command.missing.length > 0) fs.writeSync(log, `engine: declared executables not found on this host: ${command.missing.join(', ')}\n`);
    // A small, explicit environment: the engine's own (tokens, proxies, HOME) is not the driver's
    // business, and its settings come through configure() (drivers/registry.ts), not from here.
    const childEnv: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: policy.cacheDir, CORRAL_SANDBOX: '1', ...command.env, ...env };
    const child = spawn(command.file, command.args, { stdio: ['ignore', log, log, 'ipc'], serialization: 'advanced', env: childEnv });
    fs.closeSync(log);
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => {
        fs.appendFileSync(logFile, `engine: could not start bubblewrap: ${error.message}\n`);
        resolve({ code: null, signal: null });
      });
    });
    return {
      pid: child.pid,
      link: forkLink(child, logFile),
      exited,
      kill: (signal = 'SIGTERM') => child.kill(signal),
      async verify() {
        if (child.pid === undefined) throw new DriverError('UNAVAILABLE', `driver ${policy.name}: bubblewrap did not start`);
        try {
          await verifySandbox(child.pid, { node, network: policy.permissions.network });
        } catch (error) {
          throw new DriverError('UNAVAILABLE', `driver ${policy.name} is not running sandboxed, so it was stopped: ${(error as Error).message}`, { driver: policy.name });
        }
      },
    };
  };
}
