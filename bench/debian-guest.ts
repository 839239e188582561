// Shared by the benchmarks that boot the real Debian 12 cloud guest (e2e/fixtures/debian-guest,
// built once and cached): a temp CORRAL_HOME with one instance of it, "ready" seen the same way
// whoever started the VM (cloud-init's final message on the serial console, then an SSH login),
// and a cleanup that leaves no VM or folder behind. These boot a real guest (1 to 3 minutes
// under TCG): not part of `npm test`.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Engine } from '../src-main/core/engine.ts';
import { sshArgs } from '../src-main/core/ssh/client.ts';
import type { SshTarget } from '../src-main/core/ssh/client.ts';
import { ensureIdentity } from '../src-main/core/ssh/identity.ts';
import { repoRoot } from '../e2e/support/temp.ts';
import { alive, sharedCache, waitForExit } from './guest-vm.ts';

/** What cloud-init prints on the console when its last stage is done (its final_message). */
export const cloudInitFinished = /Cloud-init v\. \S+ finished at/;

export interface DebianGuest {
  root: string;
  engine: Engine;
  name: string;
  dir: string;
  serialLog: string;
  /** Every pid this bench saw run a VM: killed in dispose() if still alive. */
  pids: Set<number>;
  /** Where SSH reaches the guest as the engine set it up at its last start. */
  target(): Promise<SshTarget>;
  dispose(): Promise<void>;
}

/** `templateLines`: more lima.yaml lines over the test guest's template (portForwards, ...). */
export async function createDebianGuest(name: string, templateLines: readonly string[] = []): Promise<DebianGuest> {
  const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'e2e/fixtures/debian-guest/build.sh')], { maxBuffer: 16 * 1024 ** 2 });
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'corral-bench-deb-'));
  const engine = new Engine({ home: path.join(root, 'home'), cache: sharedCache, health: { intervalMs: 0, timeoutMs: 10_000 } });
  const pids = new Set<number>();
  let disposed = false;
  const guest: DebianGuest = {
    root, engine, name, dir: '', serialLog: '', pids,
    async target() {
      const { ssh } = await engine.inspect(name);
      if (!ssh) throw new Error(`${name} has no SSH endpoint`);
      return { ...ssh, identityFile: (await ensureIdentity(engine.paths.home)).privateKey };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await engine.delete(name, { force: true }).catch(() => undefined);
      await engine.close().catch(() => undefined);
      for (const pid of pids) {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
        await waitForExit(pid).catch(() => undefined);
      }
      await fsp.rm(root, { recursive: true, force: true });
    },
  };
  try {
    let template = path.join(stdout.trim(), 'guest.yaml');
    if (templateLines.length) {
      const own = path.join(root, 'guest.yaml');
      await fsp.writeFile(own, [`base: ${JSON.stringify(template)}`, ...templateLines, ''].join('\n'));
      template = own;
    }
    const { instance } = await engine.create(name, { template });
    guest.dir = instance.dir;
    guest.serialLog = path.join(instance.dir, 'serial.log');
    return guest;
  } catch (error) {
    await guest.dispose();
    throw error;
  }
}

/**
 * Resolves when a line matching `pattern` appears in `file`, which a VM about to start will
 * create (call it before the start; an old file is moved aside first, as the QEMU driver does):
 * follows it as it grows with fs.watch on its folder; rejects after `timeoutMs`.
 */
export function waitForLine(file: string, pattern: RegExp, timeoutMs: number): Promise<void> {
  if (fs.existsSync(file)) fs.renameSync(file, `${file}.before-bench`);
  return new Promise((resolve, reject) => {
    let offset = 0;
    let text = '';
    const look = (): void => {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch {
        return; // not made yet
      }
      try {
        const buffer = Buffer.alloc(64 * 1024);
        for (let read = fs.readSync(fd, buffer, 0, buffer.length, offset); read > 0; read = fs.readSync(fd, buffer, 0, buffer.length, offset)) {
          offset += read;
          text = (text + buffer.subarray(0, read).toString('latin1')).slice(-4096);
        }
      } finally {
        fs.closeSync(fd);
      }
      if (pattern.test(text)) finish();
    };
    const watcher = fs.watch(path.dirname(file), look);
    const timer = setTimeout(() => finish(new Error(`no ${pattern} in ${file} within ${timeoutMs / 1000} s`)), timeoutMs);
    function finish(error?: Error): void {
      watcher.close();
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    }
    look();
  });
}

/** Runs a program to its end; resolves with its exit code. */
export function runToEnd(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(0) : reject(new Error(`${path.basename(file)} ${args.slice(-3).join(' ')} exited ${code}: ${stderr.trim()}`))));
  });
}

/** `ssh ... true` to the guest with Corral's key and options: the plain-OpenSSH baseline. */
export function sshTrue(target: SshTarget): Promise<number> {
  return runToEnd('ssh', [...sshArgs(target), target.host, 'true']);
}
