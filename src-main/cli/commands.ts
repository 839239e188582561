// The `corral` commands that need the engine (main.ts parses the arguments and imports this
// module only to run one of them): one Engine per command, errors as one line.
import { toDriverError } from '../../src-drivers/sdk/errors.ts';
import { Engine } from '../core/engine.ts';
import { LOCAL_CONNECTION } from '../core/connections/connection-of.ts';
import { driverProcessOf, forkDriverProcess } from '../core/drivers/process.ts';
import { attachConsole } from './console.ts';
import { copyCommand } from './copy.ts';
import { driverCommand } from './driver.ts';
import { connectionCommand } from './connection.ts';
import { reshapeCommand } from './reshape.ts';
import { showProgress } from './progress.ts';
import { waitUntilReady } from './ready.ts';
import { listText } from './list.ts';
import { shellCommand, sshConfigCommand } from './shell.ts';
import { portsCommand } from './ports.ts';
import { errorLine, errorReport, usageLine } from './errors.ts';
import { cpuCount, formatSize, humanSize, table } from './format.ts';
import { cpusValue } from './values.ts';
import type { PluggedCommands, Values } from './main.ts';
import type { Preforked } from './prefork.ts';

class UsageError extends Error {}

function need(positionals: string[], what: string): string {
  const value = positionals[1];
  if (!value) throw new UsageError(`missing ${what}: corral ${positionals[0]} ${what.toUpperCase()}`);
  return value;
}

/** Runs one command; a number is the exit status it asks for (`shell` passes the guest's through). */
async function run(engine: Engine, positionals: string[], values: Values, plugged: PluggedCommands, commandArgs: string[]): Promise<number | undefined> {
  const command = positionals[0];
  const out = (text: string): undefined => {
    process.stdout.write(`${text}\n`);
    return undefined;
  };
  switch (command) {
    case 'list':
      return out(listText(await engine.list({ liveFacts: true }), values.json ?? false, values.connection));
    case 'create': {
      const name = need(positionals, 'name');
      if (!values.template) throw new UsageError('missing --template FILE|NAME');
      // A driver that uploads the files at create (to a remote host) shows it as start shows downloads.
      const stopShowing = showProgress(engine, name);
      const { instance, warnings } = await engine.create(name, {
        template: values.template, cpus: cpusValue(values.cpus), memory: values.memory, disk: values.disk, driver: values.driver,
        ...(values.connection !== undefined ? { connection: values.connection } : {}),
      }).finally(stopShowing);
      for (const warning of warnings) process.stderr.write(`warning: ${warning.message}\n`);
      return out(`Created ${instance.name} (${instance.vmType}, ${cpuCount(instance.cpus)}, ${formatSize(instance.memoryBytes)} memory, ${formatSize(instance.diskBytes)} disk).`);
    }
    case 'start': {
      const name = need(positionals, 'name');
      const stopShowing = showProgress(engine, name);
      const result = await engine.start(name).finally(stopShowing);
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      out(`Started ${name} (${result.pid === undefined ? '' : `pid ${result.pid}, `}accelerator ${result.accelerator}${result.acceleratorNote ? `: ${result.acceleratorNote}` : ''}).`);
      if (values['no-wait']) return undefined;
      // Readiness is learnt over SSH: a driver that offers none leaves nothing to wait for.
      if (!(await engine.inspect(name)).ssh) return out(`${name}: not waiting for the guest to be ready: its driver offers no SSH to ask it.`);
      await waitUntilReady(name, engine.store.dir(name), out, (text) => process.stderr.write(`${text}\n`));
      return undefined;
    }
    case 'stop':
      await engine.stop(need(positionals, 'name'), { force: values.force ?? false });
      return out(`Stopped ${positionals[1]}.`);
    case 'pause':
      await engine.pause(need(positionals, 'name'));
      return out(`Paused ${positionals[1]}.`);
    case 'resume':
      await engine.resume(need(positionals, 'name'));
      return out(`Resumed ${positionals[1]}.`);
    case 'delete': {
      const { warnings } = await engine.delete(need(positionals, 'name'), { force: values.force ?? false });
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      return out(`Deleted ${positionals[1]}.`);
    }
    case 'console':
      await attachConsole(engine, need(positionals, 'name'));
      return undefined;
    case 'shell':
      return shellCommand(engine, need(positionals, 'name'), { workdir: values.workdir, command: commandArgs });
    case 'copy':
      // Operands after "--" too, so a file named like an option can be copied.
      return copyCommand(engine, [...positionals.slice(1), ...commandArgs], { recursive: values.recursive ?? false });
    case 'ssh-config':
      return out(await sshConfigCommand(engine, need(positionals, 'name')));
    case 'ports':
      return out(await portsCommand(engine, need(positionals, 'name'), values.json ?? false));
    case 'snapshot':
    case 'restart':
    case 'clone':
    case 'rename':
    case 'edit':
      return out(await reshapeCommand(engine, positionals, values, (message) => new UsageError(message)));
    case 'cache': {
      if (positionals[1] === 'list') {
        const entries = await engine.listCache();
        if (values.json) return out(JSON.stringify(entries, null, 2));
        const total = entries.reduce((sum, e) => sum + e.size, 0);
        return out(`${table(['SIZE', 'DOWNLOADED', 'USED BY', 'URL'], entries.map((e) => [
          humanSize(e.size), e.time.toISOString().slice(0, 16).replace('T', ' '), e.usedBy.join(',') || (e.keptUntil ? `- (kept until ${e.keptUntil.toISOString().slice(11, 16)})` : '-'), e.url,
        ]))}\nTotal: ${humanSize(total)} in ${entries.length} entries`);
      }
      if (positionals[1] === 'prune') {
        const result = await engine.pruneCache();
        const staging = result.staging.map((s) => `\nRemoved ${s.path} (${humanSize(s.bytes)}), left by a killed create or clone of ${s.name}.`).join('');
        return out(`Removed ${result.removed.length} entries (${humanSize(result.freedBytes)}); kept ${result.inUse.length} in use${result.skipped ? `, ${result.skipped} being downloaded` : ''}${result.recent.length ? `, ${result.recent.length} uploaded in the last hour or open in a create dialog` : ''}.${staging}`);
      }
      if (positionals[1] === 'move') {
        const dir = positionals[2];
        if (!dir) throw new UsageError('missing folder: corral cache move DIR');
        return out(await (await import('./cache-move.ts')).cacheMoveCommand(engine, dir));
      }
      throw new UsageError('use: corral cache list | corral cache prune | corral cache move DIR');
    }
    case 'instances': {
      const dir = positionals[2];
      if (positionals[1] !== 'move') throw new UsageError('use: corral instances move DIR');
      if (!dir) throw new UsageError('missing folder: corral instances move DIR');
      return out(await (await import('./cache-move.ts')).instancesMoveCommand(engine, dir));
    }
    case 'serve':
      await plugged.serve(engine, { port: values.port, newToken: values['new-token'] });
      return undefined;
    case 'driver':
      return out(await driverCommand(engine, positionals.slice(1), values, (message) => new UsageError(message)));
    case 'connection':
      return out(await connectionCommand(engine, positionals.slice(1), values, (message) => new UsageError(message)));
    case 'drivers': // the older spelling of `driver list`
      return out(await driverCommand(engine, ['list'], values, (message) => new UsageError(message)));
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

export async function runCommand(positionals: string[], values: Values, plugged: PluggedCommands, commandArgs: string[], preforked?: Preforked): Promise<number> {
  const engine = new Engine({ home: values.home, ...(preforked ? { spawn: preforked.spawn(forkDriverProcess, driverProcessOf) } : {}) });
  // The early driver's handshake at once, while the engine reads the config and takes the lock
  // (a failure here is the command's own to report: its first call meets it again).
  if (preforked) void engine.capabilitiesOf(LOCAL_CONNECTION).catch(() => undefined);
  try {
    return (await run(engine, positionals, values, plugged, commandArgs)) ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${usageLine(error.message)}\n`);
      return 2;
    }
    const typed = toDriverError(error);
    process.stderr.write(`${values.verbose ? errorReport(typed) : errorLine(typed)}\n`);
    return 1;
  } finally {
    // The process exits once this returns (bin/corral.js): the drivers are told to end, and end
    // with their IPC channel too, so waiting for each to exit would only delay the prompt.
    await engine.close({ waitForDrivers: false });
    preforked?.dispose();
  }
}
