// The driver conformance kit: runs a driver through the guarantees of the driver contract
// (src-drivers/sdk/protocol.ts and GUIDE.md) and reports one result per check. It drives the
// driver as a process, through the engine's own DriverHost (and, for the handshake, through a
// bare link made the same way), so what it tests is the real process boundary: the sandbox of
// a bundle, errors crossing the pipe, a process killed and restarted.
//
// Order (each check runs only when the checks it needs passed; see `needs`):
//   handshake  hello, protocol, schema, identity, platform, available, configure, configure-twice, engine
//   console    close-unknown
//   errors     validate-missing-file
//   lifecycle  validate, (errors) validate-arch, create, create-relocatable, create-idempotent,
//              inspect-stopped, start, inspect-running, start-twice, delete-running, (errors) unsupported
//   console    open, shell, close
//   crash      reattach, reattach-console
//   lifecycle  pause, resume, stop, restart, stop-force, delete
//   errors     typed
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { PROTOCOL_VERSION, handshakeSchema } from '../../../../src-drivers/sdk/protocol.ts';
import type { DriverEvent, DriverRpc, Handshake, InspectResult, InstanceSpec, StartResult } from '../../../../src-drivers/sdk/protocol.ts';
import { wrapLink } from '../../../../src-drivers/sdk/rpc.ts';
import type { Remote } from '../../../../src-drivers/sdk/rpc.ts';
import { DriverHost } from '../host.ts';
import type { DriverEntry } from '../host.ts';
import { forkDriverProcess } from '../process.ts';
import type { DriverProcess } from '../process.ts';
import type { EntryPaths } from '../sandbox/entries.ts';
import { DriverCalls, describe, plainErrorHint } from './calls.ts';
import { ConsoleProbe } from './console.ts';
import { CheckFailure, CheckRunner, formatSeconds } from './runner.ts';
import type { CheckSpec, CheckBody } from './runner.ts';
import { defaultTimeouts } from './types.ts';
import type { CheckStatus, ConformanceGuest, ConformanceOptions, ConformanceReport } from './types.ts';

export const guestNeeded = 'a guest: a Linux kernel and initrd whose serial console runs a shell';

/** The folders of a run under its work folder; the same ones a bundle's sandbox is given. */
export function conformancePaths(workDir: string): EntryPaths & { logs: string } {
  return {
    instances: path.join(workDir, 'instances'),
    runtimeRoot: path.join(workDir, 'run'),
    downloads: path.join(workDir, 'downloads'),
    driverCache: (driver) => path.join(workDir, 'cache', driver),
    logs: path.join(workDir, 'logs'),
  };
}

const archOf: Partial<Record<string, InstanceSpec['config']['arch']>> = { x64: 'x86_64', arm64: 'aarch64', riscv64: 'riscv64', s390x: 's390x', ppc64: 'ppc64le', arm: 'armv7l' };

export function hostArch(): InstanceSpec['config']['arch'] {
  return archOf[process.arch] ?? 'x86_64';
}

export function defaultCmdline(arch: InstanceSpec['config']['arch']): string {
  return `console=${arch === 'aarch64' || arch === 'armv7l' ? 'ttyAMA0' : 'ttyS0'} quiet`;
}

function isolationOf(entry: DriverEntry): string {
  if (!entry.isolation) return 'built-in (not sandboxed)';
  return entry.isolation.kind === 'sandboxed' ? `sandboxed (${entry.isolation.by})` : `UNSANDBOXED (${entry.isolation.reason})`;
}

async function logTail(file: string, lines = 6): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const tail = text.trimEnd().split('\n').slice(-lines).join(' | ');
  return tail ? `; its log ${file} ends: ${tail}` : `; its log ${file} is empty`;
}

/** Relative paths of the files under `dir` (none when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => !e.isDirectory()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

/** Whether `file` holds the bytes of `needle` (the first 64 MiB are read: headers are where paths live). */
async function fileMentions(file: string, needle: string): Promise<boolean> {
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const wanted = Buffer.from(needle);
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let carry = Buffer.alloc(0);
    for (let position = 0; position < 64 * 1024 * 1024;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) return false;
      const window = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      if (window.includes(wanted)) return true;
      carry = window.subarray(Math.max(0, window.length - wanted.length + 1));
      position += bytesRead;
    }
    return false;
  } finally {
    await handle.close();
  }
}

const list = (items: string[]) => (items.length > 0 ? items.join(', ') : 'none');
const stateOf = (r: InspectResult) => `${r.state}${r.pid !== undefined ? ` (pid ${r.pid})` : ''}${r.reason ? `: ${r.reason}` : ''}`;

/** Copies the guest's files into the downloads folder, where the engine keeps artifacts and a sandboxed driver may read. */
async function stageGuest(guest: ConformanceGuest, downloads: string): Promise<ConformanceGuest> {
  await fs.mkdir(downloads, { recursive: true });
  const copy = async (file: string, name: string) => {
    const target = path.join(downloads, name);
    await fs.copyFile(file, target, fs.constants.COPYFILE_FICLONE);
    return target;
  };
  return {
    kernel: await copy(guest.kernel, 'kernel'),
    initrd: await copy(guest.initrd, 'initrd'),
    ...(guest.disk ? { disk: await copy(guest.disk, `disk${path.extname(guest.disk)}`) } : {}),
    ...(guest.cmdline !== undefined ? { cmdline: guest.cmdline } : {}),
  };
}

export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const started = performance.now();
  const timeouts = { ...defaultTimeouts, ...options.timeouts };
  const { entry } = options;
  const paths = conformancePaths(path.resolve(options.workDir));
  for (const dir of [paths.instances, paths.runtimeRoot, paths.downloads, paths.logs, paths.driverCache(entry.name)]) await fs.mkdir(dir, { recursive: true });
  const spawn = entry.spawn ?? options.spawn ?? forkDriverProcess;
  /** What the driver pushed on its events channel: warnings during a stop are shown beside it. */
  const events: DriverEvent[] = [];
  const host = new DriverHost(entry, {
    spawn, logDir: paths.logs, cacheDir: paths.driverCache(entry.name), handshakeTimeoutMs: timeouts.handshake, healthTimeoutMs: timeouts.call,
    onEvent: (_driver, event) => events.push(event),
  });
  const probeLog = path.join(paths.logs, `driver-${entry.name}-handshake.log`);
  let probe: DriverProcess | undefined;
  const runner = new CheckRunner({
    onResult: options.onResult,
    signal: options.signal,
    // A hung call blocks the driver for every check after it: end the process, as the engine's health check would.
    onTimeout: async () => {
      probe?.kill('SIGKILL');
      await host.kill();
    },
  });
  const calls = new DriverCalls(host);
  const check = (spec: CheckSpec, body: CheckBody) => runner.run(spec, body);
  const cleanup: string[] = [];

  // The guest, staged where a sandboxed driver may read it (the engine's downloads cache).
  const guest = options.guest && entry.isolation?.kind === 'sandboxed' ? await stageGuest(options.guest, paths.downloads) : options.guest;
  const arch = hostArch();
  const name = 'conformance-vm';
  const dir = path.join(paths.instances, name);
  const runtimeDir = path.join(paths.runtimeRoot, 'cvm');
  const bare: InstanceSpec = {
    name, dir, runtimeDir,
    config: { vmType: entry.name, arch, cpus: 1, memoryBytes: 256 * 1024 ** 2, diskBytes: 1024 ** 3, display: 'none' },
  };
  /** The spec with the guest's files: what validate, create and start get (the other calls get `bare`, as from the engine). */
  const full: InstanceSpec = !guest ? bare : {
    ...bare,
    config: {
      ...bare.config,
      ...(guest.disk ? { image: { path: guest.disk } } : {}),
      kernel: { path: guest.kernel, cmdline: guest.cmdline ?? defaultCmdline(arch) },
      initrd: { path: guest.initrd },
    },
  };

  let rawHello: Record<string, unknown> | undefined;
  let handshake: Handshake | undefined;
  let createdFiles: string[] = [];
  let startResult: StartResult | undefined;
  let startAttempted = false;
  let createAttempted = false;
  const serial = () => handshake?.capabilities.console.includes('serial') ?? false;
  const noSerial = () => (serial() ? undefined : `the driver offers no serial console (capabilities.console is ${JSON.stringify(handshake?.capabilities.console ?? [])})`);
  const unavailable = () => (handshake && !handshake.available.ok ? `needs the driver to be available here; it says: ${handshake.available.reason}` : undefined);
  const needsGuest = () => (guest ? unavailable() : `needs ${guestNeeded}`);
  const inspect = (label: string) => calls.call('inspect', label, bare);

  try {
    // --- Handshake, on a bare process: what the driver itself sends, before the engine's checks. ---
    const viaProbe = async <T>(call: Promise<T>, what: string): Promise<T> => {
      const process = probe;
      if (!process) throw new CheckFailure('the driver process is gone');
      const exited = process.exited.then(async (exit): Promise<never> => {
        throw new CheckFailure(`the driver process exited (${exit.signal ?? `code ${exit.code}`}) during ${what}${await logTail(probeLog)}`);
      });
      return Promise.race([call, exited]);
    };
    let remote: Remote<DriverRpc> | undefined;
    const rpc = (): Remote<DriverRpc> => {
      if (!remote) throw new CheckFailure('the driver process did not start');
      return remote;
    };

    await check({ group: 'handshake', name: 'hello', title: 'hello() answers with a handshake', timeoutMs: timeouts.handshake }, async ({ step }) => {
      step('starting the driver process');
      probe = spawn({ entry: entry.entry, logFile: probeLog });
      remote = wrapLink<DriverRpc>(probe.link);
      step('hello()');
      const answer: unknown = await viaProbe(rpc().hello(), 'hello()');
      if (typeof answer !== 'object' || answer === null) throw new CheckFailure(`hello() answered ${JSON.stringify(answer)}, not a handshake object`);
      rawHello = answer as Record<string, unknown>;
    });
    const hello = () => rawHello ?? {};

    await check({ group: 'handshake', name: 'protocol', title: `protocol version is ${PROTOCOL_VERSION}`, timeoutMs: 1_000, needs: ['handshake/hello'] }, async () => {
      const protocol = hello().protocol;
      if (protocol !== PROTOCOL_VERSION) {
        throw new CheckFailure(`hello() says protocol ${typeof protocol === 'number' ? `v${protocol}` : JSON.stringify(protocol)}, but this Corral speaks v${PROTOCOL_VERSION}, `
          + `so the engine refuses the driver (PROTOCOL_MISMATCH); build it with the SDK for protocol v${PROTOCOL_VERSION} (serveDriver() fills the version in)`);
      }
      return `v${PROTOCOL_VERSION}`;
    });

    await check({ group: 'handshake', name: 'schema', title: 'the handshake matches the protocol\'s schema', timeoutMs: 1_000, needs: ['handshake/hello'] }, async () => {
      const parsed = handshakeSchema.safeParse(rawHello);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        throw new CheckFailure(`the handshake does not match handshakeSchema (src-drivers/sdk/protocol.ts): ${issues}`);
      }
      handshake = parsed.data;
    });

    await check({ group: 'handshake', name: 'identity', title: 'name and version are given', timeoutMs: 1_000, needs: ['handshake/hello'] }, async () => {
      const { name: driverName, version } = hello();
      const missing = [typeof driverName === 'string' && driverName !== '' ? '' : 'name', typeof version === 'string' && version !== '' ? '' : 'version'].filter(Boolean);
      if (missing.length > 0) throw new CheckFailure(`the handshake has no ${missing.join(' and no ')} (got name ${JSON.stringify(driverName)}, version ${JSON.stringify(version)}); the driver picker and the logs show both`);
      return `${String(driverName)} ${String(version)}${driverName === entry.name ? '' : ` (registered as ${entry.name})`}`;
    });

    await check({ group: 'handshake', name: 'platform', title: `platforms include ${process.platform}`, timeoutMs: 1_000, needs: ['handshake/hello'] }, async () => {
      const platforms = hello().platforms;
      if (!Array.isArray(platforms) || !platforms.includes(process.platform)) {
        throw new CheckFailure(`platforms is ${JSON.stringify(platforms)}, which does not list "${process.platform}", the platform the driver is running on; list every platform it supports (a bundle is refused at install on the others)`);
      }
      return platforms.join(', ');
    });

    await check({ group: 'handshake', name: 'available', title: 'available is ok, or says why not', timeoutMs: 1_000, needs: ['handshake/hello'] }, async () => {
      const available = hello().available as { ok?: unknown; reason?: unknown } | undefined;
      if (available?.ok === true) return 'available';
      if (available?.ok === false && typeof available.reason === 'string' && available.reason.trim() !== '') {
        return `says it cannot run here: ${available.reason} (the checks that boot a VM are not run)`;
      }
      throw new CheckFailure(`available is ${JSON.stringify(available)}; it must be { ok: true }, or { ok: false, reason } with a reason the driver picker can show`);
    });

    const cacheDir = paths.driverCache(entry.name);
    await check({ group: 'handshake', name: 'configure', title: 'configure(settings) succeeds once', timeoutMs: timeouts.handshake + timeouts.call, needs: ['handshake/hello', 'handshake/protocol', 'handshake/schema'] }, async ({ step }) => {
      if (probe?.verify) {
        step('the sandbox check');
        await viaProbe(probe.verify(), 'the sandbox check');
      }
      step('configure()');
      try {
        await viaProbe(rpc().configure({ cacheDir }), 'configure()');
      } catch (error) {
        if (error instanceof CheckFailure) throw error;
        throw new CheckFailure(`configure({ cacheDir }) failed: ${describe(calls.remember('configure()', error))}`);
      }
    });

    await check({ group: 'handshake', name: 'configure-twice', title: 'a second configure() is refused with INVALID_STATE', timeoutMs: timeouts.call, needs: ['handshake/configure'] }, async ({ step }) => {
      step('a second configure()');
      let refused: DriverError | undefined;
      try {
        await viaProbe(rpc().configure({ cacheDir }), 'a second configure()');
      } catch (error) {
        if (error instanceof CheckFailure) throw error;
        refused = calls.remember('a second configure()', error);
      }
      if (!refused) throw new CheckFailure('a second configure() succeeded; configure() is called once per process, and a second call must be refused with INVALID_STATE rather than reconfigure a driver in use (serveDriver() does this)');
      if (refused.code !== 'INVALID_STATE') {
        throw new CheckFailure(`a second configure() was refused with ${describe(refused)}; expected INVALID_STATE`);
      }
    });
    const done = probe as DriverProcess | undefined;
    done?.kill('SIGKILL');
    await done?.exited;
    probe = undefined;

    // --- From here on the engine's DriverHost runs the driver: its handshake checks, the sandbox check, configure. ---
    await check({ group: 'handshake', name: 'engine', title: 'the engine accepts the driver (DriverHost handshake, configure)', timeoutMs: timeouts.handshake + timeouts.call, needs: ['handshake/protocol', 'handshake/schema'] }, async ({ step }) => {
      step('the engine\'s handshake');
      try {
        handshake = await host.handshake();
      } catch (error) {
        throw new CheckFailure(`the engine refused the driver: ${describe(calls.remember('the engine\'s handshake', error))}`);
      }
      return `pid ${await host.pid()}, ${isolationOf(entry)}`;
    });

    await check({ group: 'console', name: 'close-unknown', title: 'closeConsole() of an unknown stream is not an error', timeoutMs: timeouts.call, needs: ['handshake/engine'] }, async () => {
      try {
        await calls.call('closeConsole', 'closeConsole() of a stream id never opened', `conformance-unknown-${randomBytes(4).toString('hex')}`);
      } catch (error) {
        throw new CheckFailure(`${(error as Error).message}; closing a stream the driver does not know must succeed quietly (the engine closes streams that may have ended already)`);
      }
    });

    await check({ group: 'errors', name: 'validate-missing-file', title: 'validate() of a missing kernel file: INVALID_CONFIG naming the field', timeoutMs: timeouts.call, needs: ['handshake/engine'], blocked: unavailable }, async () => {
      const missing = path.join(paths.downloads, 'no-such-kernel');
      const spec: InstanceSpec = { ...full, config: { ...full.config, kernel: { path: missing, cmdline: defaultCmdline(arch) } } };
      const error = await calls.refuse('INVALID_CONFIG', `the kernel ${missing} does not exist, and validate() must say so before anything is made`, 'validate', 'validate() of a spec whose kernel file does not exist', spec);
      const field = error.details.field;
      if (typeof field !== 'string' || !/kernel/i.test(field)) {
        throw new CheckFailure(`validate() refused the missing kernel with INVALID_CONFIG, but details.field is ${JSON.stringify(field)}; name the field at fault (e.g. "kernel" or "images[0].kernel.location") so the UI can point at it`);
      }
      return `field ${field}`;
    });

    // --- Lifecycle with the guest. ---
    await check({ group: 'lifecycle', name: 'validate', title: 'validate() accepts the guest spec', timeoutMs: timeouts.call, needs: ['handshake/engine'], blocked: needsGuest }, async () => {
      await calls.call('validate', 'validate() of the guest spec', full);
    });

    const foreign: InstanceSpec['config']['arch'] = arch === 's390x' ? 'ppc64le' : 's390x';
    await check({ group: 'errors', name: 'validate-arch', title: `validate() of an ${foreign} guest: INVALID_CONFIG naming "arch"`, timeoutMs: timeouts.call, needs: ['lifecycle/validate'] }, async () => {
      const spec: InstanceSpec = { ...full, config: { ...full.config, arch: foreign } };
      const error = await calls.refuse('INVALID_CONFIG', `the spec asks for an ${foreign} guest on an ${arch} host (its files are the ${arch} guest's)`, 'validate', `validate() of an ${foreign} spec`, spec);
      const field = error.details.field;
      if (typeof field !== 'string' || !/arch/i.test(field)) {
        throw new CheckFailure(`validate() refused the ${foreign} spec with INVALID_CONFIG, but details.field is ${JSON.stringify(field)}; expected it to name "arch"`);
      }
      return `field ${field}`;
    });

    let staging = '';
    await check({ group: 'lifecycle', name: 'create', title: 'create() in a staging folder, renamed into place as the engine does', timeoutMs: timeouts.create, needs: ['lifecycle/validate'] }, async ({ step }) => {
      staging = path.join(paths.instances, `.creating-${name}-${randomBytes(4).toString('hex')}`);
      await fs.mkdir(staging, { recursive: true });
      step('create()');
      createAttempted = true;
      await calls.call('create', 'create()', { ...full, dir: staging });
      createdFiles = await filesUnder(staging);
      await fs.rename(staging, dir);
      return `made ${list(createdFiles)}`;
    });

    await check({ group: 'lifecycle', name: 'create-relocatable', title: 'the files create() made do not record its folder', timeoutMs: timeouts.call, needs: ['lifecycle/create'] }, async () => {
      const recording: string[] = [];
      for (const file of createdFiles) if (await fileMentions(path.join(dir, file), staging)) recording.push(file);
      if (recording.length > 0) {
        throw new CheckFailure(`${recording.join(', ')} record${recording.length === 1 ? 's' : ''} the folder create() ran in (${staging}); the engine runs create() in a staging folder and renames it, so that path is gone when the VM starts: record no path of spec.dir in the files`);
      }
      return createdFiles.length > 0 ? `${createdFiles.length} file(s) checked` : 'create() made no files';
    });

    await check({ group: 'lifecycle', name: 'create-idempotent', title: 'create() again succeeds and changes nothing', timeoutMs: timeouts.create, needs: ['lifecycle/create'] }, async () => {
      try {
        await calls.call('create', 'a second create()', full);
      } catch (error) {
        throw new CheckFailure(`${(error as Error).message}; create() must be idempotent: the engine calls it again before every start`);
      }
      const after = await filesUnder(dir);
      const added = after.filter((f) => !createdFiles.includes(f));
      const removed = createdFiles.filter((f) => !after.includes(f));
      if (added.length + removed.length > 0) throw new CheckFailure(`a second create() changed the instance folder (added ${list(added)}; removed ${list(removed)}); it must leave what the first one made`);
    });

    await check({ group: 'lifecycle', name: 'inspect-stopped', title: 'inspect() of a created, never started instance: Stopped', timeoutMs: timeouts.call, needs: ['lifecycle/create'] }, async () => {
      const result = await inspect('inspect() of a never started instance');
      if (result.state !== 'Stopped') {
        throw new CheckFailure(`inspect() of an instance that was created but never started says ${stateOf(result)}; expected Stopped. State must come from live facts (a process, the hypervisor), never from a stored flag`);
      }
    });

    await check({ group: 'lifecycle', name: 'start', title: 'start() runs the VM and returns its pid', timeoutMs: timeouts.start, needs: ['lifecycle/create'] }, async ({ step }) => {
      step('start()');
      startAttempted = true;
      startResult = await calls.call('start', 'start()', full);
      return `pid ${startResult.pid}, accelerator ${startResult.accelerator}${startResult.acceleratorNote ? ` (${startResult.acceleratorNote})` : ''}`;
    });

    await check({ group: 'lifecycle', name: 'inspect-running', title: 'inspect() after start: Running, with its pid', timeoutMs: timeouts.call, needs: ['lifecycle/start'] }, async () => {
      const result = await inspect('inspect() of the started instance');
      if (result.state !== 'Running') throw new CheckFailure(`inspect() right after start() returned says ${stateOf(result)}; expected Running: start() returns once the VM runs`);
      if (result.pid !== undefined && result.pid !== startResult?.pid) throw new CheckFailure(`inspect() says pid ${result.pid}, but start() returned pid ${startResult?.pid}`);
      return result.pid === undefined ? 'Running (no pid given)' : `Running, pid ${result.pid}`;
    });

    await check({ group: 'lifecycle', name: 'start-twice', title: 'start() of a running instance: INVALID_STATE', timeoutMs: timeouts.start, needs: ['lifecycle/start'] }, async () => {
      await calls.refuse('INVALID_STATE', 'the VM runs already, and a second start() must not boot a second VM on the same disk', 'start', 'start() of a running instance', full);
    });

    await check({ group: 'lifecycle', name: 'delete-running', title: 'delete() of a running instance: INVALID_STATE, VM untouched', timeoutMs: timeouts.call * 2, needs: ['lifecycle/start'] }, async () => {
      await calls.refuse('INVALID_STATE', 'the contract says the VM must be stopped first; deleting a running VM\'s disk destroys it', 'delete', 'delete() of a running instance', bare);
      const result = await inspect('inspect() after the refused delete()');
      if (result.state !== 'Running') throw new CheckFailure(`delete() was refused, but afterwards inspect() says ${stateOf(result)}; a refused call must leave the VM as it was`);
    });

    await check({
      group: 'errors', name: 'unsupported', title: 'a capability the driver lacks: UNSUPPORTED', timeoutMs: timeouts.call * 2, needs: ['lifecycle/start'],
      skipIf: () => (handshake?.capabilities.pause && handshake.capabilities.snapshots ? 'the driver offers pause and snapshots (capabilities): nothing to refuse' : undefined),
    }, async () => {
      const refused: string[] = [];
      if (!handshake?.capabilities.pause) {
        await calls.refuse('UNSUPPORTED', 'capabilities.pause is false', 'pause', 'pause() without the pause capability', bare);
        refused.push('pause');
      }
      if (!handshake?.capabilities.snapshots) {
        await calls.refuse('UNSUPPORTED', 'capabilities.snapshots is false', 'listSnapshots', 'listSnapshots() without the snapshots capability', bare);
        refused.push('listSnapshots');
      }
      return `${refused.join(', ')} refused`;
    });

    // --- The serial console. ---
    let shell: ConsoleProbe | undefined;
    const consoleId = `conformance-${randomBytes(4).toString('hex')}`;
    await check({ group: 'console', name: 'open', title: 'openConsole() attaches the serial console to a stream', timeoutMs: timeouts.call, needs: ['lifecycle/start'], skipIf: noSerial }, async () => {
      try {
        shell = await ConsoleProbe.open(host, bare, consoleId);
      } catch (error) {
        throw new CheckFailure(`openConsole() of the running instance failed: ${describe(calls.remember('openConsole()', error))}`);
      }
    });

    await check({ group: 'console', name: 'shell', title: 'the guest\'s shell answers `echo corral-$((6*7))` with corral-42', timeoutMs: timeouts.console + 5_000, needs: ['console/open'] }, async ({ signal }) => {
      if (!shell) throw new CheckFailure('no console');
      const attempts = await shell.ask('echo corral-$((6*7))', 'corral-42', { signal, timeoutMs: timeouts.console });
      return attempts > 1 ? `answered on try ${attempts}` : undefined;
    });

    await check({ group: 'console', name: 'close', title: 'closeConsole() of the open stream succeeds', timeoutMs: timeouts.call, needs: ['console/open'] }, async () => {
      await calls.call('closeConsole', 'closeConsole() of the open stream', consoleId);
    });
    await shell?.session.close();

    // --- A driver process killed while its VM runs. ---
    await check({ group: 'crash', name: 'reattach', title: 'after SIGKILL of the driver, a fresh process sees the VM Running', timeoutMs: timeouts.handshake + timeouts.call * 2, needs: ['lifecycle/inspect-running'] }, async ({ step }) => {
      step('killing the driver process');
      const before = await host.pid();
      await host.kill();
      step('inspect() on a fresh driver process');
      const result = await inspect('inspect() on a fresh driver process after a crash');
      const after = await host.pid();
      if (result.state !== 'Running') {
        throw new CheckFailure(`after the driver process (pid ${before}) was killed, a fresh process (pid ${after}) says the VM is ${stateOf(result)}; expected Running (pid ${startResult?.pid}). `
          + 'A VM must outlive its driver, and any method may be a fresh process\'s first call: find the VM from the instance folder (pid file, sockets), not from memory');
      }
      if (result.pid !== undefined && result.pid !== startResult?.pid) throw new CheckFailure(`a fresh process says the VM runs as pid ${result.pid}, but it was started as pid ${startResult?.pid}`);
      return `driver pid ${before} killed; pid ${after} sees the VM Running`;
    });

    await check({ group: 'crash', name: 'reattach-console', title: 'the console works through the fresh process', timeoutMs: timeouts.console + timeouts.call, needs: ['crash/reattach', 'console/shell'], skipIf: noSerial }, async ({ signal, step }) => {
      const id = `conformance-again-${randomBytes(4).toString('hex')}`;
      step('openConsole() on the fresh process');
      let again: ConsoleProbe;
      try {
        again = await ConsoleProbe.open(host, bare, id);
      } catch (error) {
        throw new CheckFailure(`openConsole() on the fresh driver process failed: ${describe(calls.remember('openConsole() after a crash', error))}`);
      }
      try {
        step('the shell\'s answer');
        await again.ask('echo corral-again-$((7*8))', 'corral-again-56', { signal, timeoutMs: timeouts.console, firstPromptMs: 5_000 });
      } finally {
        await again.session.close();
      }
    });

    // --- Pause, stop, restart, force stop, delete. ---
    const noPause = () => (handshake?.capabilities.pause ? undefined : 'the driver does not offer pause (capabilities.pause is false)');
    await check({ group: 'lifecycle', name: 'pause', title: 'pause(): inspect says Paused', timeoutMs: timeouts.call * 2, needs: ['lifecycle/start'], skipIf: noPause }, async () => {
      await calls.call('pause', 'pause()', bare);
      const result = await inspect('inspect() after pause()');
      if (result.state !== 'Paused') throw new CheckFailure(`after pause() returned, inspect() says ${stateOf(result)}; expected Paused`);
    });

    await check({ group: 'lifecycle', name: 'resume', title: 'resume(): inspect says Running', timeoutMs: timeouts.call * 2, needs: ['lifecycle/pause'] }, async ({ step }) => {
      step('resume()');
      await calls.call('resume', 'resume()', bare);
      const result = await inspect('inspect() after resume()');
      if (result.state !== 'Running') throw new CheckFailure(`after resume() returned, inspect() says ${stateOf(result)}; expected Running`);
    });

    const stopAndCheck = async (force: boolean): Promise<string> => {
      const begun = performance.now();
      const mark = events.length;
      const label = force ? 'stop({ force: true })' : `stop({ force: false, timeoutMs: ${timeouts.gracefulStop} })`;
      await calls.call('stop', label, bare, { force, timeoutMs: timeouts.gracefulStop });
      const took = performance.now() - begun;
      const result = await inspect(`inspect() after ${label}`);
      if (result.state !== 'Stopped') throw new CheckFailure(`after ${label} returned, inspect() says ${stateOf(result)}; expected Stopped: stop() returns once the VM is gone${force ? '' : ' (ended by force after timeoutMs if the guest does not power off)'}`);
      const said = events.slice(mark).flatMap((e) => (e.type === 'log' && e.level !== 'info' ? [e.message] : []));
      return `stopped in ${formatSeconds(took)}${said.length > 0 ? `; the driver said: ${said.join('; ')}` : ''}`;
    };

    await check({ group: 'lifecycle', name: 'stop', title: 'stop() (graceful, forced after its timeout): Stopped', timeoutMs: timeouts.gracefulStop + timeouts.call * 2, needs: ['lifecycle/start'] }, async ({ step }) => {
      step(`stop() with timeoutMs ${timeouts.gracefulStop}`);
      return stopAndCheck(false);
    });

    await check({ group: 'lifecycle', name: 'restart', title: 'create() and start() again after a stop: Running', timeoutMs: timeouts.create + timeouts.start + timeouts.call, needs: ['lifecycle/stop'] }, async ({ step }) => {
      step('create() before the restart');
      await calls.call('create', 'create() before a restart', full);
      step('start() after a stop');
      const again = await calls.call('start', 'start() after a stop', full);
      startResult = again;
      const result = await inspect('inspect() after the restart');
      if (result.state !== 'Running') throw new CheckFailure(`after start() of a stopped instance, inspect() says ${stateOf(result)}; expected Running`);
      return `pid ${again.pid}`;
    });

    await check({ group: 'lifecycle', name: 'stop-force', title: 'stop({ force: true }): Stopped', timeoutMs: timeouts.call * 3, needs: ['lifecycle/restart'] }, async ({ step }) => {
      step('stop({ force: true })');
      return stopAndCheck(true);
    });

    await check({
      group: 'lifecycle', name: 'delete', title: 'delete() removes every file the driver made', timeoutMs: timeouts.call * 2, needs: ['lifecycle/create', 'lifecycle/stop'],
      blocked: () => (runner.ran('lifecycle/restart') && !runner.passed('lifecycle/stop-force') ? 'needs lifecycle/stop-force: the VM may still run' : undefined),
    }, async () => {
      const before = await filesUnder(dir);
      await calls.call('delete', 'delete() of the stopped instance', bare);
      const left = await filesUnder(dir);
      const runtimeLeft = await filesUnder(runtimeDir);
      if (left.length + runtimeLeft.length > 0) {
        const fromCreate = left.filter((f) => createdFiles.includes(f));
        const later = left.filter((f) => !createdFiles.includes(f));
        throw new CheckFailure(`after delete(), the instance folder still holds ${list(left)} (made by create(): ${list(fromCreate)}; made later: ${list(later)})`
          + `${runtimeLeft.length > 0 ? ` and the runtime folder ${list(runtimeLeft)}` : ''}; delete() must remove every file the driver made for the instance`);
      }
      return `removed ${before.length} file(s)`;
    });

    await check({ group: 'errors', name: 'typed', title: 'every refusal is a DriverError with a code, not a plain Error', timeoutMs: 1_000, needs: ['handshake/engine'] }, async () => {
      const fromDriver = calls.seen.filter((s) => !s.byEngine);
      const untyped = fromDriver.filter((s) => s.code === 'INTERNAL');
      if (untyped.length > 0) {
        throw new CheckFailure(`${untyped.length} of ${fromDriver.length} refusals came as INTERNAL: ${untyped.map((s) => `${s.call} ("${s.message}")`).join('; ')}. ${plainErrorHint}`);
      }
      const codes = new Map<string, number>();
      for (const s of fromDriver) codes.set(s.code, (codes.get(s.code) ?? 0) + 1);
      return fromDriver.length === 0 ? 'no refusals seen' : [...codes].map(([code, n]) => `${code} x${n}`).join(', ');
    });
  } finally {
    probe?.kill('SIGKILL');
    await cleanUp();
    await host.dispose();
  }

  async function cleanUp(): Promise<void> {
    // Best effort, bounded: stop the VM if it may still run, then delete what create made.
    const bounded = async <T>(what: string, call: Promise<T>, ms: number): Promise<T | undefined> => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), ms); });
      call.catch(() => undefined);
      try {
        const outcome = await Promise.race([call, late]);
        if (outcome === 'late') {
          cleanup.push(`${what} did not finish within ${formatSeconds(ms)}`);
          await host.kill();
          return undefined;
        }
        return outcome;
      } catch (error) {
        cleanup.push(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    };
    if (startAttempted && !(runner.passed('lifecycle/delete'))) {
      const state = await bounded('inspect() before cleaning up', host.call('inspect', bare), timeouts.call);
      if (state && state.state !== 'Stopped') {
        await bounded('stopping the VM', host.call('stop', bare, { force: true, timeoutMs: 10_000 }), timeouts.call);
        const after = await bounded('inspect() after stopping the VM', host.call('inspect', bare), timeouts.call);
        if (after?.state !== 'Stopped') cleanup.push(`the VM may still run${startResult ? ` (pid ${startResult.pid})` : ''}: the driver says ${after ? stateOf(after) : 'nothing'}`);
      }
    }
    if (createAttempted && !runner.passed('lifecycle/delete')) await bounded('delete()', host.call('delete', bare), timeouts.call);
  }

  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, skip: 0, 'not-run': 0 };
  for (const r of runner.results) counts[r.status]++;
  return {
    driver: {
      name: entry.name,
      version: typeof rawHello?.version === 'string' ? rawHello.version : null,
      protocol: typeof rawHello?.protocol === 'number' ? rawHello.protocol : null,
      isolation: isolationOf(entry),
    },
    guest: options.guest ?? null,
    results: runner.results,
    ok: counts.fail === 0 && counts['not-run'] === 0,
    counts,
    durationMs: Math.round(performance.now() - started),
    logs: [probeLog, host.logFile],
    cleanup,
  };
}
