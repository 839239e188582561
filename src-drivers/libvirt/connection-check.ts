// What a connection's first contact found, in words a user can act on: `virsh version` run over
// the connection says which libvirt and hypervisor answer; its failures (ssh's and libvirt's
// wording) become one line each: host not found or unreachable, key refused, no QEMU driver.
import { toDriverError } from '../sdk/index.ts';
import type { Handshake } from '../sdk/index.ts';
import { remoteConnectionProblem } from './remote/errors.ts';
import { isRemoteUri } from './virsh.ts';
import type { Virsh } from './virsh.ts';

export interface ConnectionFound {
  available: Handshake['available'];
  /** e.g. "libvirt 9.0.0, QEMU 7.2.22", when libvirt answered. */
  found?: string;
}

/**
 * The error part of virsh's text: from "failed to connect" on, leaving out the log lines
 * ("... info : libvirt version: ...") that libvirt's client prints before it when ssh fails.
 */
function errorPart(text: string): string {
  const failed = text.indexOf('failed to connect to the hypervisor');
  return failed > 0 ? text.slice(failed) : text;
}

/** One line for a failed first contact, from the libvirt/ssh text inside it. */
export function contactFailure(uri: string, raw: string): string {
  const text = errorPart(raw);
  return (isRemoteUri(uri) ? remoteConnectionProblem(uri, text) : undefined) ?? `cannot reach libvirt at ${uri}: ${text}`;
}

/** Connects once (`virsh version`) and says what answered; a non-QEMU hypervisor is not available. */
export async function checkConnection(virsh: Virsh, timeoutMs: number): Promise<ConnectionFound> {
  let output: string;
  try {
    output = await virsh.run(['version'], { timeoutMs });
  } catch (error) {
    const typed = toDriverError(error);
    const libvirtText = typeof typed.details?.libvirt === 'string' ? typed.details.libvirt : typed.message;
    const reason = contactFailure(virsh.uri, libvirtText);
    // A local libvirt that does not answer: virsh's own message names the setup script.
    return { available: { ok: false, reason: !isRemoteUri(virsh.uri) && reason.startsWith('cannot reach libvirt') ? typed.message : reason } };
  }
  const library = /Using library: libvirt ([\d.]+)/.exec(output)?.[1];
  const hypervisor = /Running hypervisor: (\S+) ([\d.]+)/.exec(output);
  const found = [library ? `libvirt ${library}` : undefined, hypervisor ? `${hypervisor[1]} ${hypervisor[2]}` : undefined].filter(Boolean).join(', ');
  if (!hypervisor || hypervisor[1]?.toUpperCase() !== 'QEMU') {
    return { available: { ok: false, reason: `${virsh.uri} answers (${found || 'no hypervisor named'}), but it is not libvirt's QEMU driver: use a qemu:// or qemu+ssh:// URI of a host with libvirt-daemon-driver-qemu` }, found };
  }
  return { available: { ok: true }, found };
}
