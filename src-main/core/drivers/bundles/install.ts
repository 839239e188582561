// Installed driver bundles: CORRAL_HOME/drivers/NAME/VERSION holds the unpacked files and
// CORRAL_HOME/drivers/NAME/driver.json which version is active, whether it is enabled, and
// who signed it. A bundle is checked in memory, extracted into a staging folder under
// CORRAL_HOME/tmp (same file system), and renamed into place in one step, so a half-written
// driver is never visible. Upgrade, disable and remove refuse while the driver has running
// instances unless forced.
import fs from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { lazySchema } from '../../../../src-drivers/sdk/lazy-schema.ts';
import { DriverError } from '../../../../src-drivers/sdk/errors.ts';
import { extractBundle, inspectBundle } from './inspect.ts';
import type { InspectOptions } from './inspect.ts';
import type { Signer } from './keys.ts';
import { manifestFileName, manifestSchema } from './manifest.ts';
import type { Manifest } from './manifest.ts';
import { trustPrompt } from './trust.ts';
import type { SandboxSupport, TrustPrompt } from './trust.ts';

const stateSchema = lazySchema(() => z.strictObject({
  active: z.string(),
  enabled: z.boolean(),
  signer: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('unsigned') }),
    z.object({ kind: z.literal('trusted'), name: z.string(), fingerprint: z.string() }),
    z.object({ kind: z.literal('untrusted'), fingerprint: z.string() }),
  ]),
  installedAt: z.string(),
}));
type DriverState = z.infer<ReturnType<typeof stateSchema>>;

export interface InstalledDriver {
  name: string;
  version: string;
  /** The unpacked bundle. */
  dir: string;
  /** Absolute path of the entry script. */
  entry: string;
  manifest: Manifest;
  enabled: boolean;
  signer: Signer;
  /** When this version was (re)installed: a forced reinstall of the same version changes it. */
  installedAt: string;
}

export interface GuardOptions {
  /** Go ahead even while instances of the driver run. */
  force?: boolean;
  /** Names of the driver's instances that run now; none when not given. */
  runningInstances?: (driver: string) => Promise<string[]>;
}

export interface InstallOptions extends InspectOptions, GuardOptions {
  /** Shown the trust prompt; the install goes ahead only on true. */
  confirm: (prompt: TrustPrompt) => Promise<boolean>;
  sandbox: SandboxSupport;
  /** Names a bundle may not take (the built-in drivers'). */
  reservedNames?: string[];
}

const driversDir = (home: string) => path.join(home, 'drivers');
const stateFile = (home: string, name: string) => path.join(driversDir(home), name, 'driver.json');

async function readState(home: string, name: string): Promise<DriverState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(stateFile(home, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = stateSchema().safeParse(JSON.parse(text));
  if (!parsed.success) throw new DriverError('INVALID_CONFIG', `${stateFile(home, name)} is damaged: ${parsed.error.message}`, { driver: name });
  return parsed.data;
}

async function writeState(home: string, name: string, state: DriverState): Promise<void> {
  const file = stateFile(home, name);
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(temp, 'w', 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
}

async function guard(name: string, action: string, options: GuardOptions): Promise<void> {
  if (options.force) return;
  const running = await options.runningInstances?.(name) ?? [];
  if (running.length > 0) {
    throw new DriverError('INVALID_STATE', `cannot ${action} driver ${name}: instances ${running.join(', ')} run on it; stop them first, or force it`, { driver: name });
  }
}

async function describe(home: string, name: string, state: DriverState): Promise<InstalledDriver> {
  const dir = path.join(driversDir(home), name, state.active);
  const manifest = manifestSchema().parse(JSON.parse(await fs.readFile(path.join(dir, manifestFileName), 'utf8')));
  return { name, version: state.active, dir, entry: path.join(dir, ...manifest.entry.split('/')), manifest, enabled: state.enabled, signer: state.signer, installedAt: state.installedAt };
}

/** Every installed bundle driver, enabled or not. */
export async function listInstalled(home: string): Promise<InstalledDriver[]> {
  const names = await fs.readdir(driversDir(home)).catch(() => [] as string[]);
  const found: InstalledDriver[] = [];
  for (const name of names.sort()) {
    const state = await readState(home, name).catch(() => undefined);
    if (state) found.push(await describe(home, name, state));
  }
  return found;
}

/**
 * Checks, asks, and installs (or upgrades to) the bundle at `file`. Throws INVALID_BUNDLE for a
 * bundle that fails a check, PERMISSION_DENIED when the user declines; writes nothing then.
 */
export async function installBundle(home: string, file: string, options: InstallOptions): Promise<InstalledDriver> {
  const bundle = await inspectBundle(file, options);
  const { name, version } = bundle.manifest;
  if (options.reservedNames?.includes(name)) {
    throw new DriverError('ALREADY_EXISTS', `driver bundle ${path.basename(file)} refused: ${name} is the name of a built-in driver`, { driver: name });
  }
  const previous = await readState(home, name);
  if (previous?.active === version && !options.force) {
    throw new DriverError('ALREADY_EXISTS', `driver ${name} ${version} is installed already (reinstall with force)`, { driver: name });
  }
  if (previous) await guard(name, previous.active === version ? 'reinstall' : `upgrade (${previous.active} to ${version})`, options);
  if (!await options.confirm(trustPrompt(bundle.manifest, bundle.signer, options.sandbox, previous?.active ?? null))) {
    throw new DriverError('PERMISSION_DENIED', `installing driver ${name} ${version} was not approved`, { driver: name });
  }
  const tmp = path.join(home, 'tmp');
  await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
  const staging = await fs.mkdtemp(path.join(tmp, `install-${name}-`));
  try {
    await extractBundle(bundle, path.join(staging, version));
    const driverDir = path.join(driversDir(home), name);
    await fs.mkdir(driverDir, { recursive: true, mode: 0o755 });
    const target = path.join(driverDir, version);
    // A forced reinstall moves the old copy aside first; rename never merges folders.
    if (previous?.active === version) await fs.rename(target, path.join(staging, 'replaced'));
    await fs.rename(path.join(staging, version), target);
    await writeState(home, name, { active: version, enabled: previous?.enabled ?? true, signer: bundle.signer, installedAt: new Date().toISOString() });
    if (previous && previous.active !== version) await fs.rm(path.join(driverDir, previous.active), { recursive: true, force: true });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  return describe(home, name, await requireState(home, name));
}

async function requireState(home: string, name: string): Promise<DriverState> {
  const state = await readState(home, name);
  if (!state) throw new DriverError('NOT_FOUND', `no driver bundle named ${name} is installed`, { driver: name });
  return state;
}

export async function setEnabled(home: string, name: string, enabled: boolean, options: GuardOptions = {}): Promise<void> {
  const state = await requireState(home, name);
  if (!enabled) await guard(name, 'disable', options);
  await writeState(home, name, { ...state, enabled });
}

export async function removeBundle(home: string, name: string, options: GuardOptions = {}): Promise<void> {
  await requireState(home, name);
  await guard(name, 'remove', options);
  // Rename first so a half-removed driver never looks installed.
  const tmp = path.join(home, 'tmp');
  await fs.mkdir(tmp, { recursive: true, mode: 0o700 });
  const trash = await fs.mkdtemp(path.join(tmp, `remove-${name}-`));
  try {
    await fs.rename(path.join(driversDir(home), name), path.join(trash, name));
  } finally {
    await fs.rm(trash, { recursive: true, force: true });
  }
}
