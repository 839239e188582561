// How this driver reaches a remote libvirt host with ssh itself (the VNC tunnel), from the
// same URI virsh uses, so both go the same way: the user, host and port, and libvirt's own
// ssh parameters (keyfile=, no_verify=, command=: the ssh program).
import { DriverError } from '../../sdk/index.ts';

export interface SshInvocation {
  /** The ssh program (libvirt's command= parameter, else "ssh"). */
  command: string;
  /** Options, before any -W. */
  options: string[];
  /** [user@]host, after "--". */
  destination: string;
  /** user@host:port, for messages. */
  where: string;
}

/**
 * Characters a shell would act on. libvirt builds a remote shell command from parts of the
 * URI, and the console runs virsh under `script -c`: such a URI is refused before either.
 */
const SHELL_METACHARACTERS = /[;|`$'"<>(){}\\\s*!#~]/;

/** Refuses a URI with shell metacharacters, with a line saying which and what to do. */
export function checkUriCharacters(uri: string): void {
  const bad = SHELL_METACHARACTERS.exec(uri);
  if (bad) {
    const shown = /\s/.test(bad[0]) ? 'whitespace' : `"${bad[0]}"`;
    throw new DriverError('INVALID_CONFIG', `the libvirt connection URI contains ${shown}, which a shell would interpret; remove it (percent-encode it if it belongs in a path)`, { field: 'uri' });
  }
}

/** The ssh invocation for a qemu+ssh:// URI; undefined for any other transport. */
export function sshInvocation(uri: string): SshInvocation | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (!/\+ssh:$/.test(url.protocol)) return undefined;
  const params = url.searchParams;
  const options = ['-T', '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes'];
  if (url.port) options.push('-p', url.port);
  const keyFile = params.get('keyfile');
  if (keyFile) options.push('-i', keyFile);
  if (params.get('no_verify') === '1') options.push('-o', 'StrictHostKeyChecking=no');
  const user = decodeURIComponent(url.username);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { command: params.get('command') ?? 'ssh', options, destination: user ? `${user}@${host}` : host, where: `${user ? `${user}@` : ''}${host}${url.port ? `:${url.port}` : ''}` };
}
