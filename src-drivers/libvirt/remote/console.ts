// The serial console of a VM on a remote libvirt host, through libvirt's console stream:
// `virsh console --force` over the connection (the serial port is a pty over there; its socket
// and log are not reachable from here). virsh insists on a terminal, so it runs under
// `script`, which gives it a pty; one virsh serves every engine stream of the VM (--force: a
// console another client held is taken over). Output starts when the console is opened.
// A killed ssh session is noticed by watching virsh's ssh: once it is gone the console ends
// with a line saying so (virsh itself may wait on a connection that will never answer).
import { execFile, spawn } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { AttachedStreams } from '../../sdk/index.ts';
import type { StreamHub } from '../../sdk/index.ts';

/** The escape that would end virsh console: Ctrl+^, not Ctrl+] (which users type in editors). */
const ESCAPE = '^^';

/** virsh's own lines before the guest's bytes: it is connected once it has printed them. */
const BANNER_END = /Escape character is[^\n]*\n/;
/** How long virsh may take to log in and connect (an ssh login on a busy host takes seconds). */
const CONNECT_TIMEOUT_MS = 60_000;
/** How often the console looks whether virsh's ssh still runs. */
const SSH_WATCH_MS = 1000;

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export class RemoteConsole {
  readonly #attached: AttachedStreams;
  readonly #child: ChildProcess;
  readonly #where: string;
  readonly #onProblem: (message: string) => void;
  #sshWatch: NodeJS.Timeout | undefined;
  #closed = false;
  #banner = '';
  /** Settles once virsh is connected: keys typed before that would be lost in its terminal. */
  readonly #connected: Promise<void>;
  #onConnected: (() => void) | undefined;
  #onFailed: ((error: Error) => void) | undefined;

  constructor(uri: string, domain: string, streams: StreamHub, onProblem: (message: string) => void) {
    this.#attached = new AttachedStreams(streams);
    this.#onProblem = onProblem;
    this.#where = new URL(uri).host;
    this.#connected = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`virsh console did not connect within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      timer.unref();
      this.#onConnected = () => { clearTimeout(timer); resolve(); };
      this.#onFailed = (error) => { clearTimeout(timer); reject(error); };
    });
    this.#connected.catch(() => undefined);
    // Not -q: its "Escape character is" line says it is connected (and is not passed on).
    // -k/-K: a lost connection ends the console within seconds, not at libvirt's 30 s keepalive.
    const command = ['virsh', '-k', '2', '-K', '3', '-e', ESCAPE, '-c', uri, 'console', '--force', domain].map(quote).join(' ');
    this.#child = spawn('script', ['-qfec', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C', TERM: 'dumb' },
    });
    let stderr = '';
    this.#child.stdout?.on('data', (chunk: Buffer) => this.#output(chunk));
    this.#child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-2000); });
    this.#child.stdin?.on('error', () => undefined); // virsh ended: close() follows
    this.#child.once('error', (error) => { onProblem(`remote console: ${error.message}`); this.close(); });
    this.#child.once('close', (code) => {
      this.#onFailed?.(new Error(`virsh console ended before it connected: ${(stderr || this.#banner).trim() || `exit code ${code}`}`));
      if (!this.#closed && code !== 0) onProblem(`remote console ended (exit code ${code}): ${(stderr || this.#banner).trim()}`);
      this.close();
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  async attach(streamId: string): Promise<void> {
    await this.#connected;
    this.#attached.listen(streamId, (bytes) => { this.#child.stdin?.write(bytes); });
    this.#attached.add(streamId);
  }

  detach(streamId: string): boolean {
    return this.#attached.detach(streamId);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sshWatch);
    this.#child.kill();
    this.#attached.endAll();
  }

  /** Ends the console once the ssh under virsh is gone: the session was killed or the link dropped. */
  #watchSsh(ssh: number): void {
    this.#sshWatch = setInterval(() => {
      void isRunningSsh(ssh).then((running) => {
        if (running || this.#closed) return;
        const line = `the SSH connection to ${this.#where} under this console ended (the session was closed or the network dropped); the VM was not touched: open the console again`;
        this.#onProblem(`remote console: ${line}`);
        this.#attached.write(new TextEncoder().encode(`\r\n[corral: ${line}]\r\n`));
        this.close();
      });
    }, SSH_WATCH_MS);
    this.#sshWatch.unref();
  }

  #output(chunk: Buffer): void {
    let bytes = chunk;
    if (this.#onConnected) {
      this.#banner += chunk.toString('latin1');
      const end = BANNER_END.exec(this.#banner);
      if (!end) return;
      bytes = Buffer.from(this.#banner.slice(end.index + end[0].length), 'latin1');
      this.#banner = '';
      // virsh prints its banner before it makes its terminal raw, and makes it raw with
      // TCSAFLUSH, which drops whatever was typed in between: keys wait until it is raw.
      const connected = this.#onConnected;
      this.#onConnected = undefined;
      void whenRaw(this.#child.pid ?? -1).then((virsh) => {
        void sshUnder(virsh).then((ssh) => { if (ssh !== undefined && !this.#closed) this.#watchSsh(ssh); });
        connected();
      }, (error: unknown) => this.#onFailed?.(error as Error));
    }
    this.#attached.write(bytes);
  }
}

/** The pids below `pid`, depth first (script runs virsh through a shell). */
async function descendants(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const direct = children.split(' ').filter(Boolean).map(Number);
  return [...direct, ...(await Promise.all(direct.map(descendants))).flat()];
}

const processName = async (pid: number) => (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();

/** Whether `pid` is still a live ssh: not gone, not another program, not a zombie virsh has yet to reap. */
async function isRunningSsh(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const name = /\(([^)]*)\)/.exec(stat)?.[1];
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return name === 'ssh' && state !== 'Z' && state !== 'X';
}

/** The ssh virsh runs for a qemu+ssh connection (its child); none for other transports. */
async function sshUnder(virsh: number): Promise<number | undefined> {
  for (const pid of await descendants(virsh)) if (await processName(pid) === 'ssh') return pid;
  return undefined;
}

/** Resolves with the pid of the virsh under `scriptPid` once it has put its terminal in raw mode (-icanon), polling for up to 10 s. */
async function whenRaw(scriptPid: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const pid of await descendants(scriptPid)) {
      if (await processName(pid) !== 'virsh') continue;
      const tty = await readlink(`/proc/${pid}/fd/0`).catch(() => '');
      const modes = tty.startsWith('/dev/pts/') ? await promisify(execFile)('stty', ['-F', tty, '-a']).then((r) => r.stdout, () => '') : '';
      if (/(^|\s)-icanon(\s|$)/.test(modes)) return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('virsh console connected but did not take its terminal within 10 s');
}
