// The public keys a guest accepts: Corral's own, plus the user's ~/.ssh/*.pub when the template
// sets ssh.loadDotSSHPubKeys (Lima's default: false), so their usual ssh and editors work too.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** One key line: "TYPE BASE64 [comment]", of a type sshd knows. */
const keyLine = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)? [A-Za-z0-9+/]+={0,3}( .*)?$/;

export interface AuthorizedKeys {
  keys: string[];
  /** Files skipped because they hold no public key or cannot be read (Lima warns about them too). */
  warnings: string[];
}

export async function authorizedKeys(corralKey: string, options: { loadDotSSHPubKeys: boolean; homeDir?: string }): Promise<AuthorizedKeys> {
  const keys = [corralKey];
  const warnings: string[] = [];
  if (!options.loadDotSSHPubKeys) return { keys, warnings };
  // A key that cannot be read costs only that key: Corral's own still lets the user in.
  const dotSsh = path.join(options.homeDir ?? os.homedir(), '.ssh');
  const names = await fs.readdir(dotSsh).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') warnings.push(unreadable(dotSsh, error));
    return [];
  });
  for (const name of names.filter((n) => n.endsWith('.pub')).sort()) {
    const file = path.join(dotSsh, name);
    const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      warnings.push(unreadable(file, error));
      return undefined;
    });
    if (text === undefined) continue;
    const line = text.trim();
    if (keyLine.test(line)) keys.push(line);
    else warnings.push(`${file} does not hold an SSH public key; it is not added to the guest`);
  }
  return { keys, warnings };
}

function unreadable(file: string, error: NodeJS.ErrnoException): string {
  return `cannot read ${file} (${error.code ?? error.message}), so its keys are not added to the guest (ssh.loadDotSSHPubKeys); fix its permissions, or set ssh.loadDotSSHPubKeys: false`;
}
