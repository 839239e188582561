// The serial console of a VM on a remote libvirt host, through libvirt's console stream:
// `virsh console --force` over the connection (the serial port is a pty over there; its socket
// and log are not reachable from here). virsh insists on a terminal, so it runs under
// `script`, which gives it a pty; one virsh serves every engine stream of the VM (--force: a
// console another client held is taken over). Output starts when the console is opened.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { StreamHub } from '../../sdk/index.ts';

/** The escape that would end virsh console: Ctrl+^, not Ctrl+] (which users type in editors). */
const ESCAPE = '^^';

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

export class RemoteConsole {
  readonly #streams: StreamHub;
  readonly #attached = new Set<string>();
  readonly #child: ChildProcess;
  #closed = false;

  constructor(uri: string, domain: string, streams: StreamHub, onProblem: (message: string) => void) {
    this.#streams = streams;
    // -q: no "Connected to domain" banner, only the guest's bytes.
    // -k/-K: a lost connection ends the console within seconds, not at libvirt's 30 s keepalive.
    const command = ['virsh', '-q', '-k', '2', '-K', '3', '-e', ESCAPE, '-c', uri, 'console', '--force', domain].map(quote).join(' ');
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
      if (!this.#closed && code !== 0) onProblem(`remote console ended (exit code ${code}): ${stderr.trim()}`);
      this.close();
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  async attach(streamId: string): Promise<void> {
    this.#streams.listen(streamId, {
      data: (bytes) => { this.#child.stdin?.write(bytes); },
      end: () => { this.#attached.delete(streamId); },
    });
    this.#attached.add(streamId);
  }

  detach(streamId: string): boolean {
    if (!this.#attached.delete(streamId)) return false;
    this.#streams.end(streamId);
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.kill();
    for (const id of this.#attached) this.#streams.end(id);
    this.#attached.clear();
  }

  #output(bytes: Buffer): void {
    for (const id of this.#attached) this.#streams.write(id, bytes);
  }
}
