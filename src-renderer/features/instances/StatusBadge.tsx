// The instance's live status; the reason (Broken, detail) is in the tooltip and for screen readers.
// While the guest of a running VM provisions, the badge says so in the CLI's words, "Starting
// (provisioning 2/3)", not Running: the user cannot work in it yet. A guest that has said nothing
// yet (no SSH answer, no boot-script line) may be a guest that never will (one without sshd or
// cloud-init, like the tiny test guest): its VM runs and its console works, so the badge says
// Running and a quiet note says Corral has not heard from the guest. A guest whose provisioning
// failed or timed out runs, and a note beside the badge says what went wrong.
import type { Instance } from '../../../src-main/api/contract.ts';

export function StatusBadge({ instance }: { instance: Instance }) {
  const guest = guestLabel(instance);
  const busy = guest?.tone === 'busy';
  return (
    <>
      <span
        className={`badge badge-${busy ? 'starting' : instance.state.toLowerCase()}`}
        data-testid={`status-${instance.name}`}
        data-state={instance.state}
        title={instance.reason}
      >
        {/* One flex item, so the text reads "Starting (provisioning 2/3)" whole; a phone's list hides the detail. */}
        {busy ? <span>Starting<span className="badge-detail"> {guest.detail}</span></span> : instance.state}
        {instance.reason ? <span className="visually-hidden">: {instance.reason}</span> : null}
      </span>
      {guest && !busy ? <span className={`guest-note guest-${guest.tone}`} data-testid={`guest-${instance.name}`} title={guest.why}>{guest.text}</span> : null}
    </>
  );
}

type GuestLabel = { text: string; tone: 'busy' | 'bad' | 'quiet'; detail?: string; why?: string };

/** How far the guest of a running VM got; nothing once it is ready. */
export function guestLabel(instance: Instance): GuestLabel | undefined {
  const guest = instance.guest;
  if (!guest || instance.state !== 'Running' || guest.phase === 'ready') return undefined;
  if (guest.phase === 'failed') return { text: 'Provisioning failed', tone: 'bad' };
  if (guest.phase === 'timeout') return { text: 'Not ready: timed out', tone: 'bad' };
  if (guest.phase === 'booting') return { text: 'Guest not answering yet', tone: 'quiet', why: guestSilent };
  const step = guest.step ? ` ${guest.step.index}/${guest.step.total}` : '';
  const detail = `(${guest.phase}${step})`;
  return { text: `Starting ${detail}`, tone: 'busy', detail };
}

export const guestSilent = 'The VM runs and its console works. Corral has not heard from the guest over SSH yet: it may still be booting, or have no SSH server.';
