// Where the built-in drivers' process entries are: the registry runs them, and the CLI forks one
// early (cli/prefork.ts). Light on purpose: the CLI imports it before the engine.
import { helperEntry } from '../bundled-entry.ts';

export function qemuDriverEntry(): string {
  return helperEntry(new URL('../../../src-drivers/qemu/main.ts', import.meta.url), 'drivers/qemu.js');
}
