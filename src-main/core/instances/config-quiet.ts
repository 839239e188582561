// Keeps an editor's save in place from flashing an instance Broken. Saving in place truncates
// lima.yaml and then writes the new text, so a watch may report, and the engine read, the empty
// or partial file between the two. A read that does not load, taken within a short quiet period
// after a save of that file, is provisional: it is announced only if lima.yaml stays quiet for
// that long, and the instance is inspected again then. Chosen over letting every save settle
// before it is read: a good save (nearly every save) is announced as soon as it is read and
// only a bad one waits, and no timer runs while nobody edits.
// A partial file that happens to load (cut at a line end) still shows for one change; with a
// lima.yaml of a few hundred bytes written in one call, an editor leaves it empty, not partial.

/** Longer than an editor needs between truncating the file and writing it, even on a busy host. */
export const configQuietMs = 250;

export class ConfigQuiet {
  /** Per instance: the quiet period since its lima.yaml was last saved, and whether a read waits for its end. */
  readonly #periods = new Map<string, { timer: NodeJS.Timeout; recheck: boolean }>();
  readonly #recheck: (name: string) => void;

  /** `recheck`: inspect the instance again, once lima.yaml has been quiet after a provisional read. */
  constructor(recheck: (name: string) => void) {
    this.#recheck = recheck;
  }

  /** Instance `name`'s lima.yaml was saved: a quiet period starts again. */
  saved(name: string): void {
    const period = this.#periods.get(name);
    clearTimeout(period?.timer);
    const timer = setTimeout(() => this.#quiet(name), configQuietMs);
    timer.unref(); // never what keeps a process alive
    this.#periods.set(name, { timer, recheck: period?.recheck ?? false });
  }

  /** Whether a read of `name`'s lima.yaml that does not load must wait (then it is inspected again at the end of the quiet period). */
  holdsProblem(name: string): boolean {
    const period = this.#periods.get(name);
    if (period) period.recheck = true;
    return period !== undefined;
  }

  forget(name: string): void {
    clearTimeout(this.#periods.get(name)?.timer);
    this.#periods.delete(name);
  }

  close(): void {
    for (const name of [...this.#periods.keys()]) this.forget(name);
  }

  #quiet(name: string): void {
    const recheck = this.#periods.get(name)?.recheck ?? false;
    this.#periods.delete(name);
    if (recheck) this.#recheck(name);
  }
}
