// The instance's live status; the reason (Broken, detail) is in the tooltip and for screen readers.
// Beside it, while the VM runs, how far its guest got: "Starting (provisioning 2/3)", or that
// provisioning failed or timed out (the words `corral list` uses). The badge itself stays the
// VM's state, which the driver reports, so a guest without SSH still reads as Running.
import type { Instance } from '../../../src-main/api/contract.ts';

export function StatusBadge({ instance }: { instance: Instance }) {
  const guest = guestLabel(instance);
  return (
    <>
      <span className={`badge badge-${instance.state.toLowerCase()}`} data-testid={`status-${instance.name}`} title={instance.reason}>
        {instance.state}
        {instance.reason ? <span className="visually-hidden">: {instance.reason}</span> : null}
      </span>
      {guest ? <span className={`guest-note guest-${guest.tone}`} data-testid={`guest-${instance.name}`}>{guest.text}</span> : null}
    </>
  );
}

/** How far the guest of a running VM got; nothing once it is ready. */
export function guestLabel(instance: Instance): { text: string; tone: 'busy' | 'bad' } | undefined {
  const guest = instance.guest;
  if (!guest || instance.state !== 'Running' || guest.phase === 'ready') return undefined;
  if (guest.phase === 'failed') return { text: 'Provisioning failed', tone: 'bad' };
  if (guest.phase === 'timeout') return { text: 'Not ready: timed out', tone: 'bad' };
  const step = guest.step && guest.phase !== 'booting' ? ` ${guest.step.index}/${guest.step.total}` : '';
  return { text: `Starting (${guest.phase}${step})`, tone: 'busy' };
}
