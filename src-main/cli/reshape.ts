// The CLI's snapshot and reshaping commands: snapshot create|apply|delete|list, restart,
// clone, rename and edit. Each is one engine call; this file only parses and prints.
import type { Engine } from '../core/engine.ts';
import { cpuCount, formatSize, table } from './format.ts';
import { cpusValue } from './values.ts';

export interface ReshapeValues {
  json?: boolean | undefined;
  force?: boolean | undefined;
  cpus?: string | undefined;
  memory?: string | undefined;
  disk?: string | undefined;
}

/** Runs snapshot, restart, clone, rename or edit, and returns what to print; `usage` builds the CLI's usage error. */
export async function reshapeCommand(engine: Engine, positionals: string[], values: ReshapeValues, usage: (message: string) => Error): Promise<string> {
  const [command, ...args] = positionals;
  const arg = (index: number, what: string, form: string): string => {
    const value = args[index];
    if (!value) throw usage(`missing ${what}: corral ${form}`);
    return value;
  };
  switch (command) {
    case 'snapshot':
      return snapshotCommand(engine, args, values, usage);
    case 'restart': {
      const name = arg(0, 'name', 'restart NAME');
      const result = await engine.restart(name, { force: values.force ?? false });
      return `Restarted ${name} (${result.pid === undefined ? '' : `pid ${result.pid}, `}accelerator ${result.accelerator}).`;
    }
    case 'clone': {
      const source = arg(0, 'name', 'clone NAME NEW');
      const copy = await engine.clone(source, arg(1, 'new name', 'clone NAME NEW'));
      return `Cloned ${source} as ${copy.name}.`;
    }
    case 'rename': {
      const from = arg(0, 'name', 'rename NAME NEW');
      const renamed = await engine.rename(from, arg(1, 'new name', 'rename NAME NEW'));
      return `Renamed ${from} to ${renamed.name}.`;
    }
    case 'edit': {
      const name = arg(0, 'name', 'edit NAME [--cpus N] [--memory SIZE] [--disk SIZE]');
      if (values.cpus === undefined && values.memory === undefined && values.disk === undefined) throw usage('edit needs --cpus, --memory or --disk');
      const edited = await engine.edit(name, { cpus: cpusValue(values.cpus), memory: values.memory, disk: values.disk });
      for (const warning of edited.warnings) process.stderr.write(`warning: ${warning.message}\n`);
      return `Edited ${name}: ${cpuCount(edited.cpus)}, ${formatSize(edited.memoryBytes)} memory, ${formatSize(edited.diskBytes)} disk.`;
    }
    default:
      throw usage(`unknown command "${command ?? ''}"`);
  }
}

async function snapshotCommand(engine: Engine, args: string[], values: ReshapeValues, usage: (message: string) => Error): Promise<string> {
  const [action, name, tag] = args;
  if (!action || !name) throw usage('use: corral snapshot list NAME | corral snapshot create|apply|delete NAME TAG');
  if (action === 'list') {
    const snapshots = await engine.listSnapshots(name);
    if (values.json) return JSON.stringify(snapshots, null, 2);
    if (snapshots.length === 0) return `${name} has no snapshots. Take one with: corral snapshot create ${name} TAG`;
    return table(['TAG', 'CREATED', 'KIND', 'VM STATE'], snapshots.map((s) => [
      s.tag, s.createdAt.slice(0, 19).replace('T', ' '), s.running ? 'running' : 'disk only', s.running ? formatSize(s.sizeBytes) : '-',
    ]));
  }
  if (!tag) throw usage(`missing tag: corral snapshot ${action} NAME TAG`);
  switch (action) {
    case 'create':
      await engine.createSnapshot(name, tag);
      return `Took snapshot ${tag} of ${name}.`;
    case 'apply':
      await engine.applySnapshot(name, tag);
      return `Applied snapshot ${tag} to ${name}.`;
    case 'delete':
      await engine.deleteSnapshot(name, tag);
      return `Deleted snapshot ${tag} of ${name}.`;
    default:
      throw usage(`unknown snapshot action "${action}": use list, create, apply or delete`);
  }
}
