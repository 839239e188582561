// The actions for one instance. A row shows the one that applies now (Start, Stop, Resume) as a
// button and the rest in a menu; the instance page shows every action that can run now as a
// button, except the destructive ones, and the rest in the menu. The menu keeps the actions users
// look for when they cannot run now, each with the reason. Pure and memoized: 200 rows re-render only where their
// own props changed.
import { memo } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { actionAvailability, actionName, actionOrder, actionSpec, onlyDeletable, primaryAction, statusAllows } from './actions.ts';
import type { ActionId, DriverCapabilities } from './actions.ts';
import { ActionMenu } from './ActionMenu.tsx';
import { statusWord } from './StatusBadge.tsx';
import type { MenuItem } from './ActionMenu.tsx';

export interface InstanceActionsProps {
  instance: Instance;
  capabilities: DriverCapabilities;
  /** An action for this instance is in flight. */
  busy: boolean;
  onAction: (id: ActionId, instance: Instance) => void;
  /** `row`: one button and the menu; `page`: every safe action that can run now, and the menu. */
  layout?: 'row' | 'page';
}

/** Listed even when they cannot run now, with the reason: the actions a user goes looking for. */
const alwaysListed: ReadonlySet<ActionId> = new Set(['restart', 'clone', 'rename', 'edit', 'delete']);

/**
 * Whether the menu lists the action: when the status allows it (the driver may still refuse, which
 * the item says), or when it is one users look for. Start on a running VM, Stop on a stopped one:
 * not listed, the status says why. An instance the engine can only delete lists only Delete.
 */
function listed(id: ActionId, instance: Instance, capabilities: DriverCapabilities): boolean {
  if (onlyDeletable(instance, capabilities)) return id === 'delete';
  return alwaysListed.has(id) || statusAllows(id, instance.state);
}

export const InstanceActions = memo(function InstanceActions({ instance, capabilities, busy, onAction, layout = 'row' }: InstanceActionsProps) {
  const reasonOf = (id: ActionId): string | undefined => {
    if (busy) return 'another action is running';
    const availability = actionAvailability(id, instance, capabilities, statusWord(instance));
    return availability.enabled ? undefined : availability.reason;
  };
  const primary = primaryAction(instance.state);
  const shown = layout === 'row'
    ? (primary ? [primary] : [])
    : actionOrder.filter((id) => !actionSpec(id, instance.state).danger && actionAvailability(id, instance, capabilities).enabled);
  const menuItems: MenuItem[] = actionOrder.filter((id) => !shown.includes(id) && listed(id, instance, capabilities)).map((id) => {
    const { label, danger } = actionSpec(id, instance.state);
    return { key: id, label, disabledReason: reasonOf(id), danger, onSelect: () => onAction(id, instance) };
  });
  return (
    <div className="actions" role="group" aria-label={`Actions for ${instance.name}`}>
      {shown.map((id, index) => {
        const reason = reasonOf(id);
        const { label, danger } = actionSpec(id, instance.state);
        return (
          // A row's one button keeps its element when Start turns into Stop, so the keyboard focus
          // stays on it; aria-disabled rather than disabled, which would throw the focus out.
          <button
            key={layout === 'row' ? `slot-${index}` : id}
            type="button"
            className={danger ? 'danger' : undefined}
            aria-disabled={reason !== undefined}
            title={reason === undefined ? undefined : `${label} is off: ${reason}`}
            onClick={() => { if (reason === undefined) onAction(id, instance); }}
            aria-label={actionName(id, instance.name)}
          >
            {label}
          </button>
        );
      })}
      <ActionMenu label={`More actions for ${instance.name}`} items={menuItems} />
    </div>
  );
});
