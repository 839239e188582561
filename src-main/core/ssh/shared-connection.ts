// One SSH connection per boot: the host agent's follow connection is an OpenSSH ControlMaster,
// and whatever else talks to the guest (port forwarding's discovery loop, its `-O forward` and
// `-O cancel`, the UDP relay, the agent's own short commands) rides on it as a mux client
// instead of logging in again, which costs seconds on a guest slowed by TCG. Lima keeps one
// master per instance the same way; here it lives and dies with the agent's follow, so no ssh
// process outlives the agent.

/** ssh options that make this ssh the master on `controlPath`, in the foreground, ending with its command. */
export function controlMasterOptions(controlPath: string): string[] {
  return [
    '-o', `ControlPath=${controlPath}`, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=no',
    // A forward to a unix socket replaces a stale socket file left by an earlier run.
    '-o', 'StreamLocalBindUnlink=yes',
  ];
}

/**
 * ssh options for a session on the master. With `masterOnly`, a session that finds no master
 * fails at once (its proxy command fails) instead of logging in on its own: a session whose
 * connection the forwards do not share would hide that they are gone.
 */
export function muxClientOptions(controlPath: string, { masterOnly }: { masterOnly: boolean }): string[] {
  return ['-o', `ControlPath=${controlPath}`, '-o', 'ControlMaster=no', ...(masterOnly ? ['-o', 'ProxyCommand=false'] : [])];
}

/** The master as its riders see it: where its socket is, and when one is up. */
export interface SharedConnection {
  readonly controlPath: string;
  /**
   * Resolves once a master is up, with a signal aborted when that master ends; undefined when
   * `signal` aborts first.
   */
  whenUp(signal: AbortSignal): Promise<AbortSignal | undefined>;
}

/** Kept by whoever runs the master (the agent's follow): it says when a master is up and when it ended. */
export class MasterState implements SharedConnection {
  readonly controlPath: string;
  #current: AbortController | undefined;
  #waiting = new Set<() => void>();

  constructor(controlPath: string) {
    this.controlPath = controlPath;
  }

  /** The master is logged in and its socket listens; call the returned function when it has ended. */
  up(): () => void {
    this.#current?.abort();
    const ended = new AbortController();
    this.#current = ended;
    for (const wake of this.#waiting) wake();
    this.#waiting.clear();
    return () => {
      if (this.#current === ended) this.#current = undefined;
      ended.abort();
    };
  }

  async whenUp(signal: AbortSignal): Promise<AbortSignal | undefined> {
    while (!signal.aborted) {
      if (this.#current) return this.#current.signal;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.#waiting.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.#waiting.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    return undefined;
  }
}
