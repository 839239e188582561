// A connection's settings checked against what its driver declared in the handshake: names,
// types, required ones, patterns. Messages name the setting and what it should be, never the
// value (a secret must not reach an error line, a log or a screenshot).
import * as z from 'zod';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';
import type { SettingDeclaration, SettingValue } from '../../../src-drivers/sdk/protocol.ts';

export type SettingValues = Record<string, SettingValue>;

function valueSchema(declaration: SettingDeclaration): z.ZodType<SettingValue> {
  if (declaration.type === 'number') return z.number({ message: 'expected a number' });
  if (declaration.type === 'boolean') return z.boolean({ message: 'expected true or false' });
  let text = z.string({ message: 'expected text' }).min(1, 'is empty');
  if (declaration.pattern !== undefined) {
    const pattern = new RegExp(`^(?:${declaration.pattern})$`);
    text = text.regex(pattern, declaration.example ? `expected something like ${declaration.example}` : 'has characters or a form this driver does not accept');
  }
  return text;
}

/** The zod schema of a driver's settings: declared names only, each of its type. */
export function settingsSchema(declarations: SettingDeclaration[]): z.ZodType<SettingValues> {
  const shape: Record<string, z.ZodType<SettingValue | undefined>> = {};
  for (const declaration of declarations) {
    const schema = valueSchema(declaration);
    shape[declaration.name] = declaration.required ? schema : schema.optional();
  }
  return z.strictObject(shape).transform((values) => Object.fromEntries(Object.entries(values).filter((entry): entry is [string, SettingValue] => entry[1] !== undefined)));
}

/** Validated values, or INVALID_CONFIG naming the first wrong setting (not its value). */
export function validateSettings(driver: string, declarations: SettingDeclaration[], values: unknown, where: string): SettingValues {
  const parsed = settingsSchema(declarations).safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const known = declarations.map((d) => d.name).join(', ') || 'none';
    throw new DriverError('INVALID_CONFIG', `${where}: driver ${driver} has no setting ${issue.keys.join(', ')} (its settings: ${known})`, { driver, field: issue.keys[0] ?? '' });
  }
  const field = String(issue?.path[0] ?? '');
  const missing = issue?.code === 'invalid_type' && (values as Record<string, unknown> | null)?.[field] === undefined;
  throw new DriverError('INVALID_CONFIG', `${where}: setting ${field} ${missing ? 'is required' : issue?.message ?? 'is not valid'}`, { driver, field });
}

/** The values with every secret one replaced, for showing and logging. */
export function maskSecrets(declarations: SettingDeclaration[], values: SettingValues): SettingValues {
  const secret = new Set(declarations.filter((d) => d.secret).map((d) => d.name));
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, secret.has(name) ? '********' : value]));
}

/**
 * The default connection's settings from the engine's environment, CORRAL_DRIVER_SETTING (e.g.
 * CORRAL_LIBVIRT_URI for libvirt's `uri`): how settings were given before connections, kept so
 * that an existing setup keeps working. Only declared settings are read.
 */
export function settingsFromEnvironment(driver: string, declarations: SettingDeclaration[], env: NodeJS.ProcessEnv = process.env): SettingValues {
  const prefix = `CORRAL_${driver.toUpperCase().replace(/-/g, '_')}_`;
  const values: SettingValues = {};
  for (const declaration of declarations) {
    const raw = env[prefix + declaration.name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()]?.trim();
    if (!raw) continue;
    values[declaration.name] = declaration.type === 'number' ? Number(raw) : declaration.type === 'boolean' ? /^(1|true|yes)$/i.test(raw) : raw;
  }
  return values;
}
