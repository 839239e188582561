// What a failed connection to a remote libvirt means, in one line that says what to do: the
// ssh transport's own errors (host unreachable, key refused) and a host whose libvirt has no
// QEMU driver, instead of virsh's layered "failed to connect to the hypervisor: ..." text.
export function remoteConnectionProblem(uri: string, libvirtText: string): string | undefined {
  const url = safeUrl(uri);
  const host = url ? `${url.hostname}${url.port ? `:${url.port}` : ''}` : uri;
  const user = url?.username ? decodeURIComponent(url.username) : 'the user';
  const network = /(Connection refused|No route to host|Could not resolve hostname[^:]*|Connection timed out|Network is unreachable|Name or service not known)/i.exec(libvirtText);
  if (network) return `cannot reach ${host} over ssh (${network[1]}): check the host and port in the connection URI (${uri}) and that sshd runs there`;
  if (/Permission denied \(|Host key verification failed|Too many authentication failures/i.test(libvirtText)) {
    const key = url?.searchParams.get('keyfile');
    return `the ssh server at ${host} refused to log in ${user}${key ? ` with ${key}` : ''}: add that key's public half to ${user}'s ~/.ssh/authorized_keys there, or name the right key with keyfile= in the URI`;
  }
  const noDriver = /no connection driver available for ([a-z0-9+]+):/i.exec(libvirtText);
  if (noDriver) return `libvirt on ${host} has no ${noDriver[1] === 'qemu' ? 'QEMU' : noDriver[1]} driver: install it there (Debian/Ubuntu: apt-get install libvirt-daemon-driver-qemu) and restart libvirtd`;
  if (/virt-ssh-helper|nc: |netcat|command not found/i.test(libvirtText)) return `${host} answers ssh but runs no libvirt that this URI reaches (${libvirtText}): install libvirt there, or fix the URI's path`;
  return undefined;
}

function safeUrl(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}
