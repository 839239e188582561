// The instance's live status; a detail the engine gives is in the tooltip and for screen readers.
// A Broken instance's reason is not: the row and the page show it in plain sight (broken-reason.ts).
// While the guest of a running VM still boots or provisions, the badge says so in the CLI's
// words, "Starting (provisioning 2/3)", not Running: the user cannot work in it yet. A guest that
// has said nothing yet reads "Starting (booting)" even if it never will (no boot script or sshd,
// like the tiny test guest): reading Running until its first word would take a real guest from
// Running back to Starting; its instance page says why (GuestSection.tsx). A guest whose
// provisioning failed or timed out runs, and a note beside the badge says what went wrong.
import type { Instance } from '../../../src-main/api/contract.ts';

export function StatusBadge({ instance }: { instance: Instance }) {
  const guest = guestLabel(instance);
  const booting = guest?.tone === 'busy';
  const detail = instance.state === 'Broken' ? undefined : instance.reason;
  return (
    <>
      <span
        className={`badge badge-${booting ? 'starting' : instance.state.toLowerCase()}`}
        data-testid={`status-${instance.name}`}
        data-state={instance.state}
        title={detail}
      >
        {/* One flex item, so the text reads "Starting (booting)" whole; a phone's list hides the detail. */}
        {booting ? <span>Starting<span className="badge-detail"> {guest.detail}</span></span> : instance.state}
        {detail ? <span className="visually-hidden">: {detail}</span> : null}
      </span>
      {guest && !booting ? <span className={`guest-note guest-${guest.tone}`} data-testid={`guest-${instance.name}`}>{guest.text}</span> : null}
    </>
  );
}

/** The status in one word, as the badge says it: "starting" while a running VM's guest boots. */
export function statusWord(instance: Instance): string {
  return guestLabel(instance)?.tone === 'busy' ? 'starting' : instance.state.toLowerCase();
}

/** How far the guest of a running VM got; nothing once it is ready. */
export function guestLabel(instance: Instance): { text: string; tone: 'busy' | 'bad'; detail?: string } | undefined {
  const guest = instance.guest;
  if (!guest || instance.state !== 'Running' || guest.phase === 'ready') return undefined;
  if (guest.phase === 'failed') return { text: 'Provisioning failed', tone: 'bad' };
  if (guest.phase === 'timeout') return { text: 'Not ready: timed out', tone: 'bad' };
  const step = guest.step && guest.phase !== 'booting' ? ` ${guest.step.index}/${guest.step.total}` : '';
  const detail = `(${guest.phase}${step})`;
  return { text: `Starting ${detail}`, tone: 'busy', detail };
}
