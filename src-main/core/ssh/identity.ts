// Corral's own SSH key pair, one per CORRAL_HOME: made at first use, its public key put in every
// guest's cidata, its private key given to the system's ssh. ssh-keygen makes it, because the
// private key must be in OpenSSH's own format (Node's crypto exports ed25519 only as PKCS#8,
// which not every OpenSSH build reads) and ssh-keygen is installed wherever ssh is.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DriverError } from '../../../src-drivers/sdk/errors.ts';

const run = promisify(execFile);
export const keyFileName = 'id_ed25519';

export interface SshIdentity {
  /** The private key (mode 0600), for ssh -i. */
  privateKey: string;
  /** Its public line, "ssh-ed25519 AAAA... corral". */
  publicKey: string;
}

/** The folder holding the key pair. */
export function identityDir(home: string): string {
  return path.join(home, 'ssh');
}

/**
 * The key pair, made on first use. Two processes making it at once cannot mix halves of two
 * pairs: each makes a whole folder and renames it into place; the loser's rename fails and it
 * uses the winner's.
 */
export async function ensureIdentity(home: string): Promise<SshIdentity> {
  const dir = identityDir(home);
  const existing = await readIdentity(dir);
  if (existing) return existing;
  await fs.mkdir(home, { recursive: true });
  const staging = await fs.mkdtemp(path.join(home, '.ssh-keygen-'));
  try {
    await fs.chmod(staging, 0o700);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'corral', '-f', path.join(staging, keyFileName)]).catch((error: NodeJS.ErrnoException & { stderr?: string }) => {
      const why = error.code === 'ENOENT' ? 'ssh-keygen is not installed (install OpenSSH\'s client: apt-get install openssh-client)' : `ssh-keygen failed: ${(error.stderr ?? error.message).trim()}`;
      throw new DriverError('UNAVAILABLE', `cannot make Corral's SSH key: ${why}`, { file: path.join(dir, keyFileName) });
    });
    await fs.chmod(path.join(staging, keyFileName), 0o600);
    await fs.rename(staging, dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    });
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  const made = await readIdentity(dir);
  if (!made) throw new DriverError('INTERNAL', `Corral's SSH key is missing from ${dir} right after it was made`, { file: dir });
  return made;
}

async function readIdentity(dir: string): Promise<SshIdentity | undefined> {
  const privateKey = path.join(dir, keyFileName);
  let publicKey: string;
  try {
    publicKey = (await fs.readFile(`${privateKey}.pub`, 'utf8')).trim();
    await fs.access(privateKey);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DriverError('INVALID_CONFIG', `cannot read Corral's SSH key in ${dir}: ${(error as Error).message}; fix its permissions or remove the folder to make a new key`, { file: dir });
  }
  return { privateKey, publicKey };
}
