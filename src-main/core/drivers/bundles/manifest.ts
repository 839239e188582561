// The manifest of a driver bundle (manifest.json at the root of a `.corral-driver` file):
// who the driver is, what it needs (the permissions the user approves and the sandbox
// enforces), and the sha256 of every other file in the bundle. Strict: unknown keys are
// refused, so a field this Corral does not understand is never silently ignored.
import * as z from 'zod';
import { lazySchema } from '../../../../src-drivers/sdk/lazy-schema.ts';

export const manifestFileName = 'manifest.json';
export const signatureFileName = 'manifest.sig';

/** A bundle-relative path: forward slashes, no empty, `.` or `..` parts, printable, not absolute. */
export function unsafePathReason(p: string): string | undefined {
  if (p.length === 0) return 'is empty';
  if (p.length > 255) return 'is longer than 255 characters';
  if (p.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(p)) return 'starts with a drive letter';
  if (p.includes('\\')) return 'contains a backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'contains a control character';
  const parts = p.replace(/\/$/, '').split('/');
  if (parts.includes('..')) return 'climbs out of the bundle (..)';
  if (parts.some((part) => part === '' || part === '.')) return 'has an empty or "." part';
  return undefined;
}

const bundlePath = z.string().superRefine((p, ctx) => {
  const reason = unsafePathReason(p);
  if (reason) ctx.addIssue({ code: 'custom', message: `path ${JSON.stringify(p)} ${reason}` });
});

const noNul = (p: string) => !p.includes('\u0000');
const absolutePath = z.string().startsWith('/', 'must be an absolute path').refine(noNul, 'must not contain NUL')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ..');
/** An executable: an absolute path, or a bare name looked up on PATH when the driver is installed. */
const executable = z.string().regex(/^(\/.+|[A-Za-z0-9._+-]+)$/, 'must be an absolute path or a bare command name').refine(noNul, 'must not contain NUL');

export const permissionsSchema = lazySchema(() => z.strictObject({
  /** Files and folders the driver may read (besides its own bundle). */
  read: z.array(absolutePath).max(64),
  /** Files and folders the driver may write (besides instance folders and its cache). */
  write: z.array(absolutePath).max(64),
  /** Executables the driver may run; none means it may run nothing. */
  exec: z.array(executable).max(32),
  /** Whether the driver may use the network. */
  network: z.boolean(),
  /**
   * Executables (absolute paths) the engine's broker may start for the driver, outside its
   * sandbox and outliving it, under the same file-system limits: a hypervisor the driver runs
   * itself. Left out: none (broker.ts in the SDK).
   */
  spawn: z.array(absolutePath).max(16).optional(),
  /**
   * Whether the driver may log in to other hosts over SSH as the user: their ~/.ssh folder
   * read-only (keys, known_hosts, config), their SSH agent's socket if one runs, and their user
   * name and home (ssh looks itself up). Needs `network` and `ssh` among `exec`. Left out: no.
   */
  ssh: z.boolean().optional(),
}).superRefine((p, ctx) => {
  if (!p.ssh) return;
  if (!p.network) ctx.addIssue({ code: 'custom', path: ['network'], message: 'must be true when ssh is: SSH needs the network' });
  if (!p.exec.some((e) => e === 'ssh' || e.endsWith('/ssh'))) ctx.addIssue({ code: 'custom', path: ['exec'], message: 'must list ssh when ssh is true' });
}));
export type Permissions = z.infer<ReturnType<typeof permissionsSchema>>;

export const manifestSchema = lazySchema(() => z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and dashes, starting with a letter'),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'must be a version like 1.2.3'),
  protocol: z.number().int().nonnegative(),
  entry: bundlePath,
  platforms: z.array(z.enum(['linux', 'darwin', 'win32', 'freebsd'])).min(1),
  description: z.string().max(500),
  permissions: permissionsSchema(),
  files: z.record(bundlePath, z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256')),
}).superRefine((m, ctx) => {
  if (!Object.hasOwn(m.files, m.entry)) ctx.addIssue({ code: 'custom', path: ['entry'], message: `entry ${m.entry} is not listed in files` });
  for (const reserved of [manifestFileName, signatureFileName]) {
    if (Object.hasOwn(m.files, reserved)) ctx.addIssue({ code: 'custom', path: ['files'], message: `${reserved} cannot be listed in files` });
  }
}));
export type Manifest = z.infer<ReturnType<typeof manifestSchema>>;

/** The signature file: the signer's raw ed25519 public key and the signature over manifest.json's bytes. */
export const signatureSchema = lazySchema(() => z.strictObject({
  algorithm: z.literal('ed25519'),
  publicKey: z.base64().refine((k) => Buffer.from(k, 'base64').length === 32, 'must be a 32-byte ed25519 key'),
  signature: z.base64().refine((s) => Buffer.from(s, 'base64').length === 64, 'must be a 64-byte ed25519 signature'),
}));
export type SignatureFile = z.infer<ReturnType<typeof signatureSchema>>;
