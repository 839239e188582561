// Runs virsh, the one executable this driver spawns: always with an explicit connection URI
// (-c), quiet (-q: no "Domain x started" chatter), in the C locale (stable English messages
// and number formats to parse). XML documents go through a file of their own (mode 0600, in the
// driver's cache folder, removed right after): virsh reads documents only from files, and
// /dev/stdin is no way around that when stdin is a socket, as Node makes it. A failure becomes a DriverError whose code says what kind of
// failure it was: libvirt unreachable, no such domain or snapshot, or libvirt refusing.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DriverError } from '../sdk/index.ts';
import type { ErrorCode } from '../sdk/index.ts';
import { remoteConnectionProblem } from './remote/errors.ts';

export const DEFAULT_URI = 'qemu:///system';
export const URI_ENV = 'CORRAL_LIBVIRT_URI';
export const SETUP_HINT = 'start libvirtd (Debian/Ubuntu: apt-get install libvirt-daemon-system; without systemd, from a Corral checkout: sudo bash scripts/setup-libvirt.sh)';

/**
 * What a libvirt URI may hold: a scheme, an optional user@host:port, a path and a query, in
 * URI characters only. No spaces, quotes or shell metacharacters: with qemu+ssh libvirt runs a
 * command on the remote host through its shell, and the URI's parts end up on that line.
 */
export const URI_PATTERN = "[a-z][a-z0-9+]*://([A-Za-z0-9._~%-]+@)?([A-Za-z0-9._~%-]+|\\[[0-9A-Fa-f:.]+\\])?(:[0-9]{1,5})?/[A-Za-z0-9._~%/-]*(\\?[A-Za-z0-9._~%/=&-]*)?";

/** The URI this process was configured with: one process serves one connection. */
let configuredUri: string | undefined;

/** Called once at configure() with the connection's `uri` setting. */
export function useConnectionUri(uri: string | undefined): void {
  configuredUri = uri;
}

/**
 * The connection URI: the connection's `uri` setting given at configure(); before that (or in a
 * driver run by hand), CORRAL_LIBVIRT_URI from the environment; else qemu:///system. The engine
 * hands CORRAL_LIBVIRT_URI from its own environment to the default connection as its setting.
 */
export function connectionUri(env: NodeJS.ProcessEnv = process.env): string {
  const uri = configuredUri ?? env[URI_ENV]?.trim();
  return uri ? uri : DEFAULT_URI;
}

/** Whether the URI names another host (qemu+ssh://user@host/system and the like). */
export function isRemoteUri(uri: string): boolean {
  const match = /^[a-z0-9+.-]+:\/\/([^/]*)\//i.exec(uri);
  return match !== null && match[1] !== '';
}

/** In run()'s arguments, stands for the file that holds `options.document`. */
export const DOCUMENT = '{document}';

export interface VirshOptions {
  /** An XML document for the command, passed as a file where the arguments say DOCUMENT. */
  document?: string;
  timeoutMs?: number;
  /** Called with the virsh process once it runs (to watch a long upload's progress). */
  onSpawn?: (child: ChildProcess) => void;
}

export interface VirshFailure {
  code: ErrorCode;
  message: string;
}

/** What virsh's error text means, as an error code. */
export function classifyVirshError(stderr: string): ErrorCode {
  if (/failed to connect to the hypervisor|Failed to connect socket|no connection driver available|authentication (failed|unavailable)|Cannot recv data|End of file while reading data/i.test(stderr)) return 'UNAVAILABLE';
  if (/Domain not found|failed to get domain|no domain with matching/i.test(stderr)) return 'NOT_FOUND';
  if (/Domain snapshot not found|no domain snapshot with matching name|Storage pool not found|Storage volume not found/i.test(stderr)) return 'NOT_FOUND';
  if (/Requested operation is not valid|domain is not running|domain is already running|is not active|already active/i.test(stderr)) return 'INVALID_STATE';
  return 'VM_FAILED';
}

/** virsh's error lines without the "error: " prefixes, on one line. */
export function virshErrorText(stderr: string): string {
  return stderr.split('\n').map((line) => line.replace(/^error:\s*/, '').trim()).filter(Boolean).join(': ') || 'no error text';
}

/** A virsh bound to one connection URI. */
export class Virsh {
  readonly uri: string;
  readonly #binary: string;
  #scratchDir: string | undefined;

  constructor(uri: string, binary = 'virsh') {
    this.uri = uri;
    this.#binary = binary;
  }

  /** Where documents for virsh are written (the driver's cache folder): needed for `document` calls. */
  useScratchDir(dir: string): void {
    this.#scratchDir = dir;
  }

  /** Runs `virsh -q -c URI ...args` and returns stdout; throws a DriverError on failure. */
  async run(args: string[], options: VirshOptions = {}): Promise<string> {
    const result = options.document === undefined ? await this.#exec(args, options) : await this.#withDocument(options.document, (file) => this.#exec(args.map((a) => (a === DOCUMENT ? file : a)), options));
    if (result.exitCode === 0) return result.stdout;
    const text = virshErrorText(result.stderr);
    const code = classifyVirshError(result.stderr);
    const command = `virsh ${args.filter((a) => a !== DOCUMENT).slice(0, 3).join(' ')}`;
    const remote = isRemoteUri(this.uri) ? remoteConnectionProblem(this.uri, text) : undefined;
    const message = remote ?? (code === 'UNAVAILABLE'
      ? `cannot reach libvirt at ${this.uri} (${text}); ${SETUP_HINT}`
      : `${command} failed: ${text}`);
    throw new DriverError(code, message, { uri: this.uri, command, libvirt: text });
  }

  /** Like run(), but resolves undefined when the failure is NOT_FOUND (a domain or snapshot that is not there). */
  async runOrMissing(args: string[], options: VirshOptions = {}): Promise<string | undefined> {
    try {
      return await this.run(args, options);
    } catch (error) {
      if (error instanceof DriverError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  async #withDocument<T>(document: string, use: (file: string) => Promise<T>): Promise<T> {
    if (!this.#scratchDir) throw new Error('virsh: no scratch folder for XML documents (call useScratchDir first)');
    await mkdir(this.#scratchDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.#scratchDir, 'virsh-'));
    try {
      const file = path.join(dir, 'document.xml');
      await writeFile(file, document, { mode: 0o600, flag: 'wx' });
      return await use(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Starts a long-running virsh (`event --loop`) and hands each line it prints to `onLine`;
   * `onExit` gets its error text when it ends. The caller ends it with kill().
   */
  follow(args: string[], onLine: (line: string) => void, onExit: (why: string) => void): ChildProcess {
    const child = spawn(this.#binary, ['-q', '-c', this.uri, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      windowsHide: true,
    });
    let pending = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4096); });
    child.once('error', (error) => onExit(error.message));
    child.once('close', (code, signal) => onExit(virshErrorText(stderr) + (signal ? ` (${signal})` : ` (exit code ${code})`)));
    return child;
  }

  #exec(args: string[], options: VirshOptions): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.#binary, ['-q', '-c', this.uri, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        // C locale: English messages and plain number formats, whatever the user's locale.
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        timeout: options.timeoutMs ?? 120_000,
        windowsHide: true,
      });
      options.onSpawn?.(child);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' && process.env.CORRAL_SANDBOX !== '1') {
          reject(new DriverError('MISSING_BINARY', `virsh not found on PATH; install it (Debian/Ubuntu: apt-get install libvirt-clients)`, { binary: 'virsh' }));
        } else {
          reject(error); // the SDK turns a sandbox refusal into PERMISSION_DENIED
        }
      });
      child.once('close', (exitCode, signal) => {
        const err = Buffer.concat(stderr).toString('utf8');
        resolve({
          exitCode: signal ? -1 : exitCode,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: signal ? `${err}\nvirsh ${args[0] ?? ''} was ended (${signal}): it took longer than ${(options.timeoutMs ?? 120_000) / 1000} s` : err,
        });
      });
    });
  }
}
