// `corral driver ...`: list, install (with the same trust prompt the desktop app shows),
// pack, enable, disable and remove driver bundles. Parsing and printing only; the engine's
// DriverBundles does the work.
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { DriverError } from '../../src-drivers/sdk/errors.ts';
import type { Capabilities } from '../../src-drivers/sdk/protocol.ts';
import type { Engine, EngineDriverInfo } from '../core/engine.ts';
import { packBundle } from '../core/drivers/bundles/pack.ts';
import type { TrustPrompt } from '../core/drivers/bundles/trust.ts';
import { table } from './format.ts';

export interface DriverValues {
  json?: boolean | undefined;
  yes?: boolean | undefined;
  force?: boolean | undefined;
  out?: string | undefined;
  key?: string | undefined;
}

/** Runs a `driver` subcommand and returns what to print; `usage` builds the CLI's usage error. */
export async function driverCommand(engine: Engine, args: string[], values: DriverValues, usage: (message: string) => Error): Promise<string> {
  const [sub = 'list', target] = args;
  const need = (what: string): string => {
    if (!target) throw usage(`missing ${what}: corral driver ${sub} ${what.toUpperCase()}`);
    return target;
  };
  const force = values.force ?? false;
  switch (sub) {
    case 'list': {
      const drivers = await engine.listDrivers();
      const problems = engine.bundles.dropProblems();
      if (values.json) return JSON.stringify(drivers, null, 2);
      return [driverTable(drivers), ...problems.map((p) => `not installed: ${p.message}`)].join('\n');
    }
    case 'install': {
      const installed = await engine.bundles.install(need('file'), { force, confirm: (prompt) => confirmOnTerminal(prompt, values.yes ?? false) });
      return `Installed driver ${installed.name} ${installed.version}${engine.bundles.sandbox.enforced ? ' (sandboxed)' : ' (UNSANDBOXED)'}.`;
    }
    case 'enable':
    case 'disable':
      await engine.bundles.setEnabled(need('name'), sub === 'enable', { force });
      return `${sub === 'enable' ? 'Enabled' : 'Disabled'} driver ${target}.`;
    case 'remove':
      await engine.bundles.remove(need('name'), { force });
      return `Removed driver ${target}.`;
    case 'pack': {
      const signingKey = values.key ? createPrivateKey(await fs.readFile(values.key)) : undefined;
      const { file, manifest } = await packBundle(need('dir'), { ...(values.out ? { out: values.out } : {}), ...(signingKey ? { signingKey } : {}) });
      return `Packed ${manifest.name} ${manifest.version} (${Object.keys(manifest.files).length} files${signingKey ? ', signed' : ', unsigned'}) into ${file}`;
    }
    default:
      throw usage(`unknown driver command "${sub}"`);
  }
}

/** Shows the trust prompt and asks; without a terminal only --yes approves. */
async function confirmOnTerminal(prompt: TrustPrompt, yes: boolean): Promise<boolean> {
  process.stderr.write(`${prompt.text}\n`);
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new DriverError('PERMISSION_DENIED', `installing driver ${prompt.name} needs your approval: run it in a terminal to answer, or pass --yes to approve what is listed above`, { driver: prompt.name });
  }
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question('Install it? [y/N] ')).trim());
  } finally {
    terminal.close();
  }
}

function driverTable(drivers: EngineDriverInfo[]): string {
  return table(['DRIVER', 'VERSION', 'SANDBOX', 'AVAILABLE', 'CAPABILITIES'], drivers.map((d) => [
    d.name, d.version ?? '-', sandboxLabel(d.sandbox), d.available.ok ? 'yes' : `no: ${d.available.reason}`,
    d.capabilities ? describeCapabilities(d.capabilities) : '-',
  ]));
}

function sandboxLabel(sandbox: EngineDriverInfo['sandbox']): string {
  if (sandbox.state === 'built-in') return 'built in';
  if (sandbox.state === 'sandboxed') return 'sandboxed';
  return `UNSANDBOXED (${sandbox.reason})`;
}

function describeCapabilities(c: Capabilities): string {
  return [
    'lifecycle', c.pause && 'pause', c.snapshots && 'snapshots', ...c.console.map((k) => `console:${k}`), ...c.display.map((k) => `display:${k}`),
    c.accelerators.length > 0 && `accel:${c.accelerators.join('/')}`, c.ssh && 'ssh',
    ...c.mounts.map((k) => `mount:${k}`),
  ].filter(Boolean).join(', ');
}
