// What the guest's boot says to the user on the instance page: the template's message once it
// is ready, a failed script with its last lines (one click away), why it is not ready, or what
// "Starting (booting)" means while the guest has said nothing yet.
// The whole boot log is the Logs tab's guest-boot.log.
import type { Instance } from '../../../src-main/api/contract.ts';

export function GuestSection({ instance }: { instance: Instance }) {
  const guest = instance.guest;
  if (!guest || instance.state !== 'Running') return null;
  if (guest.phase === 'ready') {
    return instance.message ? <p className="guest-message" role="note" data-testid="guest-message">{instance.message.trimEnd()}</p> : null;
  }
  if (guest.phase === 'failed') {
    const failure = guest.failure;
    return (
      <details className="guest-problem" data-testid="guest-failure">
        <summary>{failure ? `Provisioning failed: ${failure.script} exited with status ${failure.exitStatus}` : (guest.message ?? 'The boot failed')}</summary>
        {failure?.lastLines.length ? <pre>{failure.lastLines.join('\n')}</pre> : <p>It printed nothing.</p>}
        <p>The whole log is guest-boot.log in the Logs tab.</p>
      </details>
    );
  }
  if (guest.phase === 'booting') return <p className="console-status" data-testid="guest-silent">{guest.sshSince === undefined ? guestSilent : bootScriptSilent}</p>;
  if (guest.phase === 'timeout') return <p className="guest-problem" role="alert">Not ready: {guest.message ?? 'timed out'}</p>;
  return null;
}

const bootScriptSilent = 'The guest answers over SSH (the Terminal tab opens shells); its boot script has not reported yet. A guest without cloud-init never will, and stays so until the boot times out.';
const guestSilent = 'The VM runs and its console works; Corral has not heard from the guest yet. A guest that runs no boot script or SSH server (an installer, say) never will, and stays so until the boot times out.';
