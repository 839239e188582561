// Tells a save of lima.yaml by another process (a user's editor, another engine's edit) from the
// engine's own writes and from a save already handled. Which process wrote the file cannot be
// known; its text can: a save is news when the text differs from the one this engine last wrote
// or handled. (Which operation is running cannot tell either: a user may save just as one of
// the engine's operations ends, and that save must not pass for the operation's own write.)
import fs from 'node:fs/promises';
import path from 'node:path';
import { configFileName } from './folders.ts';

export class ConfigSaves {
  /** lima.yaml's text per instance as last written or handled; undefined: it could not be read. */
  readonly #texts = new Map<string, string | undefined>();

  /** The engine wrote `text` as instance `name`'s lima.yaml. */
  wrote(name: string, text: string): void {
    this.#texts.set(name, text);
  }

  /** Whether lima.yaml in `dir` now holds other text than last written or handled; remembers it. */
  async changed(name: string, dir: string): Promise<boolean> {
    const text = await fs.readFile(path.join(dir, configFileName), 'utf8').catch(() => undefined);
    const news = !this.#texts.has(name) || this.#texts.get(name) !== text;
    this.#texts.set(name, text);
    return news;
  }

  forget(name: string): void {
    this.#texts.delete(name);
  }
}
