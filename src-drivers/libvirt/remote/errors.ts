// What a failed connection to a remote libvirt means, in one line that says what to do, from
// the ssh transport's own wording and libvirt's: the one place both the first contact
// (connection-check.ts) and every later virsh call (virsh.ts) turn that text into words.
export function remoteConnectionProblem(uri: string, libvirtText: string): string | undefined {
  const url = safeUrl(uri);
  const host = url ? `${url.hostname}${url.port ? `:${url.port}` : ''}` : uri;
  const user = url?.username ? decodeURIComponent(url.username) : 'the remote user';
  const key = url?.searchParams.get('keyfile');
  const text = libvirtText;
  if (/Cannot find '(ssh|nc)' in path/i.test(text)) return `this libvirt driver cannot run ssh (its sandbox grants it only what its manifest lists), so it cannot reach ${host}: install a libvirt bundle that declares ssh`;
  if (/Connection refused/i.test(text) && /ssh:/i.test(text)) return `cannot reach ${host} over SSH: connection refused (is sshd running there, on that port? check the URI ${uri})`;
  if (/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i.test(text)) return `host ${host} was not found (check the name in ${uri})`;
  if (/No route to host|Network is unreachable|Connection timed out/i.test(text)) return `cannot reach ${host}: no answer (is it up, and on this network?)`;
  if (/Host key verification failed/i.test(text)) return `${host}'s SSH host key is not known here: connect once with ssh to accept it, then try again`;
  const unreadable = /Identity file (\S+) not accessible/i.exec(text);
  if (unreadable) {
    const sandboxed = process.env.CORRAL_SANDBOX ? ' (this driver runs sandboxed: it reads keys only in ~/.ssh and from your SSH agent)' : '';
    return `cannot read the SSH key ${unreadable[1]} for ${host}${sandboxed}: put it in ~/.ssh (and point keyfile= there, or leave keyfile= out) or add it to your SSH agent`;
  }
  if (/Permission denied \(|Too many authentication failures/i.test(text)) {
    return `${host} refused the SSH key for ${user}${key ? ` (${key})` : ''}: add its public half to ${user}'s ~/.ssh/authorized_keys there, or name the right key with ?keyfile=PATH`;
  }
  const noDriver = /no connection driver available for ([a-z0-9+]+):/i.exec(text);
  if (noDriver) return `libvirt on ${host} has no ${noDriver[1] === 'qemu' ? 'QEMU' : noDriver[1]} driver: install it there (Debian/Ubuntu: apt-get install libvirt-daemon-driver-qemu) and restart libvirtd`;
  if (/virt-ssh-helper|nc: |netcat|command not found/i.test(text)) return `${host} answers ssh but runs no libvirt that this URI reaches (${text}): install libvirt there, or fix the URI's path`;
  return undefined;
}

function safeUrl(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}
