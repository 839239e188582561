// The lifecycle buttons for one instance, each enabled only where its status and its driver
// allow; a button that is off says why in its tooltip (also its accessible description).
// Pure and memoized: 200 rows re-render only where their own props changed.
import { memo } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { actionAvailability, actionOrder, actionSpec } from './actions.ts';
import type { ActionId, DriverCapabilities } from './actions.ts';

export interface InstanceActionsProps {
  instance: Instance;
  capabilities: DriverCapabilities;
  /** An action for this instance is in flight. */
  busy: boolean;
  onAction: (id: ActionId, instance: Instance) => void;
}

export const InstanceActions = memo(function InstanceActions({ instance, capabilities, busy, onAction }: InstanceActionsProps) {
  return (
    <div className="actions" role="group" aria-label={`Actions for ${instance.name}`}>
      {actionOrder.map((id) => {
        const availability = actionAvailability(id, instance.state, instance.driver, capabilities);
        const reason = busy ? 'another action is running' : availability.enabled ? undefined : availability.reason;
        return (
          <button
            key={id}
            type="button"
            className={id === 'delete' || id === 'force-stop' ? 'danger' : undefined}
            disabled={reason !== undefined}
            title={reason === undefined ? undefined : `${actionSpec(id).label} is off: ${reason}`}
            onClick={() => onAction(id, instance)}
            aria-label={`${actionSpec(id).label} ${instance.name}`}
          >
            {actionSpec(id).label}
          </button>
        );
      })}
    </div>
  );
});
