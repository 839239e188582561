// How the system's OpenSSH client reaches a guest: the options Lima passes (its sshutil's
// CommonOpts, less the cipher tuning), as ssh arguments or as an ssh_config Host block. The
// guest's host key is new at every instance and the port is loopback-only, so host keys are
// not recorded; only Corral's key is offered, and only key logins are tried.
import type { SshEndpoint } from './guest-endpoint.ts';

export interface SshTarget extends SshEndpoint {
  /** The private key to log in with. */
  identityFile: string;
}

/** Option name → value, in the order ssh reads them. */
function options(target: SshTarget): [string, string][] {
  return [
    ['IdentityFile', `"${target.identityFile}"`],
    ['IdentitiesOnly', 'yes'],
    ['StrictHostKeyChecking', 'no'],
    ['UserKnownHostsFile', '/dev/null'],
    ['NoHostAuthenticationForLocalhost', 'yes'],
    ['PreferredAuthentications', 'publickey'],
    ['BatchMode', 'yes'],
    // Covers the TCP connect and the SSH handshake: a guest whose network is down answers the
    // forwarded port's connect (QEMU does) but never speaks, and ssh would wait for ever.
    ['ConnectTimeout', '30'],
    // "Permanently added ... to the list of known hosts" at every login is noise, not news.
    ['LogLevel', 'ERROR'],
    ['User', target.user],
    ['Hostname', target.host],
    ['Port', String(target.port)],
  ];
}

/** `ssh` arguments up to (not including) the destination. */
export function sshArgs(target: SshTarget): string[] {
  return options(target).flatMap(([key, value]) => ['-o', `${key}=${key === 'IdentityFile' ? target.identityFile : value}`]);
}

/** A Host block for ~/.ssh/config, `ssh -F FILE`, and editors' remote extensions. */
export function sshConfigBlock(alias: string, target: SshTarget): string {
  return [`Host ${alias}`, ...options(target).map(([key, value]) => `  ${key} ${value}`)].join('\n');
}

/** One word for a POSIX shell: as is when nothing in it is special, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command line the guest's shell runs: change to `workdir` (failing loudly if it is not
 * there), then replace itself with `command`, or with the user's login shell when there is none.
 */
export function remoteScript(options: { workdir?: string | undefined; command: readonly string[] }): string {
  const cd = options.workdir ? `cd ${shellQuote(options.workdir)} || exit 1; ` : '';
  const run = options.command.length ? options.command.map(shellQuote).join(' ') : '"$SHELL" --login';
  return `${cd}exec ${run}`;
}
