// The public keys a guest accepts: Corral's own, plus the user's ~/.ssh/*.pub when the template
// sets ssh.loadDotSSHPubKeys (Lima's default: false), so their usual ssh and editors work too.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

/** One key line: "TYPE BASE64 [comment]", of a type sshd knows. */
const keyLine = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)? [A-Za-z0-9+/]+={0,3}( .*)?$/;

export interface AuthorizedKeys {
  keys: string[];
  /** Files skipped because they hold no public key (Lima warns about them too). */
  warnings: string[];
}

export async function authorizedKeys(corralKey: string, options: { loadDotSSHPubKeys: boolean; homeDir?: string }): Promise<AuthorizedKeys> {
  const keys = [corralKey];
  const warnings: string[] = [];
  if (!options.loadDotSSHPubKeys) return { keys, warnings };
  const dotSsh = path.join(options.homeDir ?? os.homedir(), '.ssh');
  const names = await fs.readdir(dotSsh).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw unreadable(dotSsh, error);
  });
  for (const name of names.filter((n) => n.endsWith('.pub')).sort()) {
    const file = path.join(dotSsh, name);
    const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw unreadable(file, error);
    });
    const line = text.trim();
    if (keyLine.test(line)) keys.push(line);
    else warnings.push(`${file} does not hold an SSH public key; it is not added to the guest`);
  }
  return { keys, warnings };
}

function unreadable(file: string, error: NodeJS.ErrnoException): DriverError {
  return new DriverError('INVALID_CONFIG', `cannot read SSH public key ${file} (${error.code ?? error.message}): fix its permissions, or set ssh.loadDotSSHPubKeys: false`, { field: 'ssh.loadDotSSHPubKeys', file });
}
