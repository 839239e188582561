// The instance's live status; the reason (Broken, detail) is in the tooltip and for screen readers.
import type { Instance } from '../../../src-main/api/contract.ts';

export function StatusBadge({ instance }: { instance: Instance }) {
  return (
    <span className={`badge badge-${instance.state.toLowerCase()}`} data-testid={`status-${instance.name}`} title={instance.reason}>
      {instance.state}
      {instance.reason ? <span className="visually-hidden">: {instance.reason}</span> : null}
    </span>
  );
}
