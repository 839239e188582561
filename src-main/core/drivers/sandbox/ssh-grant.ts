// What a bundle whose manifest says `"ssh": true` gets inside its sandbox, so the ssh it runs
// logs in as the user would: the user's ~/.ssh read-only (keys, known_hosts, config), their
// SSH agent's socket when one runs, and a one-line /etc/passwd and /etc/group naming the user
// and their home (ssh refuses to run for a uid it cannot look up, and finds ~/.ssh through
// the passwd entry, not $HOME). Nothing else of the home folder, and no other account.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The user whose SSH identity a bundle borrows. */
export interface SshUser {
  name: string;
  uid: number;
  gid: number;
  /** Home folder: its .ssh is granted read-only. */
  home: string;
  /** The SSH agent's socket ($SSH_AUTH_SOCK), when one runs. */
  agentSocket?: string;
}

const isSocket = (file: string) => {
  try {
    return fs.statSync(file).isSocket();
  } catch {
    return false;
  }
};

/** The engine's user: home from $HOME (as `ssh` run here would see ~), the agent when its socket exists. */
export function currentSshUser(env: NodeJS.ProcessEnv = process.env): SshUser {
  const info = os.userInfo();
  const agent = env.SSH_AUTH_SOCK;
  return { name: info.username, uid: info.uid, gid: info.gid, home: os.homedir(), ...(agent && isSocket(agent) ? { agentSocket: agent } : {}) };
}

export interface SshGrant {
  /** bwrap arguments that bind what is granted. */
  args: string[];
  /** Environment the driver gets (SSH_AUTH_SOCK). */
  env: Record<string, string>;
}

/**
 * Writes the sandbox's passwd and group lines into `etcDir` (engine-owned, not writable by the
 * driver) and returns what binds them, ~/.ssh and the agent socket.
 */
export function sshGrant(user: SshUser, etcDir: string): SshGrant {
  fs.mkdirSync(etcDir, { recursive: true, mode: 0o700 });
  const passwd = path.join(etcDir, 'passwd');
  const group = path.join(etcDir, 'group');
  fs.writeFileSync(passwd, `${user.name}:x:${user.uid}:${user.gid}::${user.home}:/bin/sh\n`);
  fs.writeFileSync(group, `${user.name}:x:${user.gid}:\n`);
  // Read by ssh only: the driver's own Node is not granted it (it never opens a key itself).
  const sshDir = path.join(user.home, '.ssh');
  const args = [
    '--ro-bind', passwd, '/etc/passwd',
    '--ro-bind', group, '/etc/group',
    '--ro-bind-try', sshDir, sshDir,
    // Connecting to a unix socket needs write permission on it: bound writable, the one file.
    ...(user.agentSocket ? ['--bind', user.agentSocket, user.agentSocket] : []),
  ];
  return { args, env: user.agentSocket ? { SSH_AUTH_SOCK: user.agentSocket } : {} };
}
