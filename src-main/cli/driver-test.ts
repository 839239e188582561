// `corral driver test NAME|BUNDLE`: the driver conformance kit on the command line. NAME is a
// driver this Corral knows (built in, or installed in CORRAL_HOME); BUNDLE is a .corral-driver
// file, installed with a real install's checks into a throwaway CORRAL_HOME (no trust prompt:
// nothing is installed for real) and run sandboxed as an installed bundle would be. Prints a
// table (or JSON) and exits 0 only when every check that is not skipped passed.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DriverError, toDriverError } from '../../src-drivers/sdk/errors.ts';
import { hostArch } from '../../src-drivers/sdk/host-arch.ts';
import { PROTOCOL_VERSION } from '../../src-drivers/sdk/protocol.ts';
import { installBundle, listInstalled } from '../core/drivers/bundles/install.ts';
import { bundleExtension } from '../core/drivers/bundles/pack.ts';
import { conformancePaths, defaultCmdline, guestNeeded, runConformance } from '../core/drivers/conformance/index.ts';
import type { CheckResult, ConformanceGuest, ConformanceReport } from '../core/drivers/conformance/index.ts';
import type { DriverEntry } from '../core/drivers/host.ts';
import { builtinDrivers } from '../core/drivers/registry.ts';
import { bundleDriverEntry } from '../core/drivers/sandbox/entries.ts';
import { sandboxSupport } from '../core/drivers/sandbox/spawn.ts';
import { corralPaths } from '../core/paths.ts';
import { table } from './format.ts';
import { driverTestUsage } from './usage.ts';

const options = {
  home: { type: 'string' },
  kernel: { type: 'string' },
  initrd: { type: 'string' },
  disk: { type: 'string' },
  cmdline: { type: 'string' },
  'call-timeout': { type: 'string' },
  json: { type: 'boolean' },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const guestHelp = `The lifecycle, console and crash checks boot a guest: ${guestNeeded.replace(/^a guest: /, '')}, given with --kernel FILE --initrd FILE [--disk FILE].
The kit types \`echo corral-$((6*7))\` on the serial console and waits for corral-42, so any guest
with a shell on its serial port will do (give --cmdline if it needs more than "${defaultCmdline(hostArch())}").
The repo's test guest is one: \`bash e2e/fixtures/test-guest/build.sh\` prints a folder holding
vmlinuz, initrd.img and disk.raw.`;

/** Whether `argv` (after the global options) is `driver test ...`: that command parses its own options. */
function looksLikeBundle(target: string): boolean {
  return target.endsWith(bundleExtension) || target.includes('/') || target.includes(path.sep);
}

interface Resolved {
  entry: DriverEntry;
  /** How the driver was found, for the header. */
  source: string;
}

async function resolveDriver(target: string, home: string | undefined, workDir: string): Promise<Resolved> {
  const paths = conformancePaths(workDir);
  const builtins = builtinDrivers();
  if (looksLikeBundle(target)) {
    const file = path.resolve(target);
    const support = sandboxSupport();
    // The checks of a real install (archive, paths, hashes, signature, protocol, platform, name), into a throwaway home.
    const installed = await installBundle(path.join(workDir, 'home'), file, { confirm: async () => true, sandbox: support, reservedNames: builtins.map((d) => d.name) });
    return { entry: bundleDriverEntry(installed, paths, support), source: `bundle ${file} (${installed.name} ${installed.version}, installed for this test only)` };
  }
  const builtin = builtins.find((d) => d.name === target);
  if (builtin) return { entry: builtin, source: 'built in' };
  const corralHome = corralPaths({ home }).home;
  const installed = (await listInstalled(corralHome)).find((d) => d.name === target);
  if (installed) {
    return { entry: bundleDriverEntry(installed, paths, sandboxSupport()), source: `installed in ${corralHome} (${installed.version}${installed.enabled ? '' : ', disabled'})` };
  }
  const known = [...builtins.map((d) => d.name), ...(await listInstalled(corralHome)).map((d) => d.name)];
  throw new DriverError('NOT_FOUND', `driver "${target}" is not installed (known: ${known.join(', ') || 'none'}); to test a bundle file, give its path, e.g. ./${target}${bundleExtension}`, { driver: target });
}

const statusText: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', 'not-run': 'NOT RUN' };

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function formatReport(report: ConformanceReport): string {
  const rows = report.results.map((r) => [
    r.group, r.name, statusText[r.status], r.status === 'pass' || r.status === 'fail' ? seconds(r.durationMs) : '-', (r.message ?? '').replace(/\s*\n\s*/g, ' '),
  ]);
  const { pass, fail, skip } = report.counts;
  const notRun = report.counts['not-run'];
  const verdict = report.ok
    ? `PASS: driver ${report.driver.name} meets every check of driver protocol v${PROTOCOL_VERSION} that applies to it`
    : fail > 0
      ? `FAIL: driver ${report.driver.name} breaks the driver contract (${fail} failed${notRun > 0 ? `, ${notRun} not run because of them or for the reason given` : ''})`
      : `NOT SHOWN: nothing failed, but ${notRun} checks did not run (see why above), so driver ${report.driver.name} is not shown to meet the contract`;
  return [
    table(['GROUP', 'CHECK', 'RESULT', 'TIME', 'MESSAGE'], rows),
    '',
    `${pass} passed, ${fail} failed, ${skip} skipped, ${notRun} not run in ${seconds(report.durationMs)}.`,
    verdict,
  ].join('\n');
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then((s) => s.isFile(), () => false);
}

async function logTails(report: ConformanceReport): Promise<string> {
  const parts: string[] = [];
  for (const file of report.logs) {
    const text = (await fs.readFile(file, 'utf8').catch(() => '')).trimEnd();
    if (text) parts.push(`Last lines of the driver log ${path.basename(file)}:\n${text.split('\n').slice(-10).map((l) => `  ${l}`).join('\n')}`);
  }
  return parts.join('\n');
}

/** Runs `corral [--home DIR] driver test ...`; returns the exit status. */
export async function driverTestCommand(argv: string[]): Promise<number> {
  const say = (text: string) => process.stdout.write(`${text}\n`);
  const complain = (text: string) => process.stderr.write(`${text}\n`);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    complain(`corral: ${(error as Error).message}\nUsage:\n${driverTestUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const target = positionals[2];
  if (values.help || !target || positionals.length > 3) {
    (values.help ? say : complain)(`Usage: corral [--home DIR] driver test NAME|BUNDLE [options]\n${driverTestUsage}\n\n${guestHelp}`);
    return values.help ? 0 : 2;
  }
  if ((values.kernel === undefined) !== (values.initrd === undefined) || (values.kernel === undefined && (values.disk !== undefined || values.cmdline !== undefined))) {
    complain(`corral: --kernel and --initrd go together (--disk and --cmdline need them)\n\n${guestHelp}`);
    return 2;
  }
  const callTimeout = values['call-timeout'] === undefined ? undefined : Number(values['call-timeout']);
  if (callTimeout !== undefined && !(callTimeout > 0)) {
    complain(`corral: --call-timeout takes a number of seconds, not "${values['call-timeout']}"`);
    return 2;
  }
  let guest: ConformanceGuest | undefined;
  if (values.kernel !== undefined && values.initrd !== undefined) {
    guest = {
      kernel: path.resolve(values.kernel), initrd: path.resolve(values.initrd),
      ...(values.disk !== undefined ? { disk: path.resolve(values.disk) } : {}),
      ...(values.cmdline !== undefined ? { cmdline: values.cmdline } : {}),
    };
    for (const [flag, file] of Object.entries(guest)) {
      if (flag !== 'cmdline' && !(await exists(file))) {
        complain(`corral: --${flag} ${file} is not a file`);
        return 2;
      }
    }
  }

  // A short folder under the system temp (unix socket paths are short), removed afterwards.
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'corral-drvtest-'));
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let resolved: Resolved;
    try {
      resolved = await resolveDriver(target, values.home, workDir);
    } catch (error) {
      complain(`corral: ${toDriverError(error).message}`);
      return 1;
    }
    const json = values.json ?? false;
    if (!json) {
      say(`Driver conformance test: ${target}, ${resolved.source}`);
      const isolation = resolved.entry.isolation;
      if (isolation) say(isolation.kind === 'sandboxed' ? `Sandbox: ${isolation.by}` : `UNSANDBOXED: ${isolation.reason}`);
      say(guest
        ? `Guest: kernel ${guest.kernel}, initrd ${guest.initrd}${guest.disk ? `, disk ${guest.disk}` : ', no disk image'}${guest.cmdline ? `, cmdline "${guest.cmdline}"` : ''}`
        : 'Guest: none given, so only the checks that boot nothing run (see below)');
      say('');
    }
    const live = process.stderr.isTTY && !json;
    let report: ConformanceReport;
    try {
      report = await runConformance({
        entry: resolved.entry,
        ...(guest ? { guest } : {}),
        workDir,
        signal: cancel.signal,
        ...(callTimeout !== undefined ? { timeouts: { call: callTimeout * 1000 } } : {}),
        onResult: live ? (r) => process.stderr.write(`  ${statusText[r.status].padEnd(7)} ${r.id}\n`) : undefined,
      });
    } catch (error) {
      // The kit itself failed (its folders, copying the guest): not a verdict on the driver.
      complain(`corral: the conformance kit could not run: ${toDriverError(error).message}`);
      return 1;
    }
    if (json) {
      say(JSON.stringify({ ...report, target, source: resolved.source }, null, 2));
    } else {
      say(formatReport(report));
      if (!guest) say(`\n${guestHelp}`);
      if (!report.ok && !values.keep) {
        const tails = await logTails(report);
        if (tails) say(`\n${tails}`);
      }
    }
    for (const problem of report.cleanup) complain(`warning: clean-up: ${problem}`);
    if (values.keep) complain(`The run's folder (instances, driver logs) is kept: ${workDir}`);
    if (cancel.signal.aborted) return 130;
    return report.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!values.keep) await fs.rm(workDir, { recursive: true, force: true });
  }
}
