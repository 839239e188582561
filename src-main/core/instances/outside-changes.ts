// What the engine makes of a change to an instance that its store watch reports (watch.ts): its
// folder or operation record (the CLI starting it, a second window deleting it) or its lima.yaml
// saved (a user's editor, another process's edit). The engine's own operations announce their
// results themselves, so a change they made costs no driver round trip; another process's is
// inspected and announced. The one owner of a watched lima.yaml: it tells a user's save from
// the engine's own write (config-saves.ts) and holds a read of a file that does not load while
// an editor may be half way through saving it (config-quiet.ts).
import { toDriverError } from '../../../src-drivers/sdk/errors.ts';
import { ConfigQuiet } from './config-quiet.ts';
import { ConfigSaves } from './config-saves.ts';
import { runningOperation } from './lock.ts';
import type { DerivedStatus, InstanceStatus } from './status.ts';

export interface OutsideChangesOptions {
  status: InstanceStatus;
  dir(name: string): string;
  /** False for a folder no instance could have (named by hand) or one removed meanwhile. */
  exists(name: string): Promise<boolean>;
  inspect(name: string): Promise<DerivedStatus>;
  /** Tells front ends to list the instances again (one came, went, or its figures changed). */
  listChanged(): void;
  /** For a change that could not be inspected: it has no caller to reach. */
  warn(message: string): void;
}

export class OutsideChanges {
  readonly #options: OutsideChangesOptions;
  /** lima.yaml's text as this engine last wrote or handled it: tells a user's save from its own. */
  readonly #saves = new ConfigSaves();
  /** lima.yaml saved moments ago: a read of it that does not load waits for quiet. */
  readonly #quiet = new ConfigQuiet((name) => void this.#recheck(name));

  constructor(options: OutsideChangesOptions) {
    this.#options = options;
  }

  /** The engine wrote `text` as `name`'s lima.yaml: the watch's report of it is no user's edit. */
  wrote(name: string, text: string): void {
    this.#saves.wrote(name, text);
  }

  /** The watch reports `name`'s folder or operation record changed (`instance`), or its lima.yaml saved (`config`). */
  noticed(name: string, changes: { instance: boolean; config: boolean }): void {
    if (changes.config) this.#quiet.saved(name);
    if (!changes.instance && !changes.config) return;
    // A failure here has no caller to reach: it is reported, and never ends the front end.
    this.#judge(name, changes.config).catch((error: unknown) => this.#failed(name, error));
  }

  close(): void {
    this.#quiet.close();
  }

  /** `configSaved`: an edit when its text is news (saved by an editor, or by another process's edit). */
  async #judge(name: string, configSaved: boolean): Promise<void> {
    const { status, dir } = this.#options;
    const own = status.mayBeOwn(name);
    // exists first: a folder no instance could have is not read, and a removed file is no edit.
    const configEdited = configSaved && await this.#options.exists(name) && await this.#saves.changed(name, dir(name));
    if (own && !configEdited) {
      const record = status.isOperating(name) ? undefined : await runningOperation(dir(name));
      if (!record) {
        if (!(await this.#options.exists(name)) && this.#forget(name)) this.#options.listChanged();
        return;
      }
    }
    await this.#announce(name, configEdited);
  }

  /** `configEdited`: its figures may have changed whatever its state, so front ends list it again. */
  async #announce(name: string, configEdited: boolean): Promise<void> {
    const { status, exists, inspect, listChanged } = this.#options;
    if (!(await exists(name))) {
      if (this.#forget(name)) listChanged();
      return;
    }
    const known = status.known(name);
    const derived = await inspect(name);
    if (derived.configProblem !== undefined && this.#quiet.holdsProblem(name)) return; // maybe an editor's save half done
    if (!known || configEdited) listChanged();
    status.announceIfChanged(name, derived);
  }

  /** lima.yaml went quiet after a read of it that did not load: Broken now if it still does not. */
  async #recheck(name: string): Promise<void> {
    const { status, exists, inspect, listChanged } = this.#options;
    try {
      if (!(await exists(name))) return; // its removal is announced by the watch
      const derived = await inspect(name);
      if (derived.configProblem !== undefined) listChanged();
      status.announceIfChanged(name, derived);
    } catch (error) {
      this.#failed(name, error);
    }
  }

  /** Forgets a removed instance; true when front ends were told of it (so its removal is news). */
  #forget(name: string): boolean {
    this.#saves.forget(name);
    this.#quiet.forget(name);
    return this.#options.status.forget(name);
  }

  #failed(name: string, error: unknown): void {
    this.#options.warn(`could not inspect "${name}" after a change: ${toDriverError(error).message}`);
  }
}
