// Commands answered without constructing an engine, when live facts settle them: `list` from
// run records and config facts (core/instances/live-list.ts), `shell` to the endpoint this boot
// recorded while its host agent runs (core/ssh/target.ts). Loading the engine (its drivers
// registry, templates, YAML and schemas) is most of what these commands cost; anything in doubt
// returns undefined, and main.ts runs the command through the engine as before.
// Each command's parts are imported only for it: a list loads no child_process, ssh or keys.
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import { instanceNameProblem } from '../core/instances/names.ts';
import { corralPaths } from '../core/paths.ts';
import { errorLine, errorReport } from './errors.ts';
import type { Values } from './main.ts';

/** The command's exit status, or undefined when the engine must run it. */
export async function runQuick(positionals: readonly string[], values: Values, commandArgs: readonly string[]): Promise<number | undefined> {
  const [command, name, extra] = positionals;
  const paths = corralPaths({ home: values.home });
  if (command === 'list' && name === undefined) {
    const [{ listFromLiveFacts }, { listText }] = await Promise.all([import('../core/instances/live-list.ts'), import('./list.ts')]);
    const instances = await listFromLiveFacts(paths.instances, paths.instanceDir).catch(() => undefined);
    if (!instances) return undefined;
    process.stdout.write(`${listText(instances, values.json ?? false, values.connection)}\n`);
    return 0;
  }
  if (command === 'shell' && name !== undefined && extra === undefined && instanceNameProblem(name) === undefined) {
    const [{ liveSshTarget }, { runSsh }] = await Promise.all([import('../core/ssh/target.ts'), import('./shell.ts')]);
    const target = await liveSshTarget(paths.home, paths.instanceDir(name)).catch(() => undefined);
    if (!target) return undefined;
    try {
      return await runSsh(target, { workdir: values.workdir, command: commandArgs });
    } catch (error) {
      const typed = toDriverError(error);
      process.stderr.write(`${values.verbose ? errorReport(typed) : errorLine(typed)}\n`);
      return 1;
    }
  }
  return undefined;
}
