// The lifecycle buttons for one instance, each enabled only where its status allows; delete
// asks first (and says so when the instance is still running).
import { useState } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { actionEnabled, actionOrder, actionSpec } from './actions.ts';
import type { ActionId } from './actions.ts';
import { useInstanceAction } from './useInstanceAction.ts';

export function InstanceActions({ instance }: { instance: Instance }) {
  const action = useInstanceAction();
  const [confirming, setConfirming] = useState(false);
  const busy = action.isPending;
  const perform = (id: ActionId): void => {
    if (id === 'delete') setConfirming(true);
    else action.mutate({ id, instance });
  };
  return (
    <div className="actions" role="group" aria-label={`Actions for ${instance.name}`}>
      {actionOrder.map((id) => (
        <button
          key={id}
          type="button"
          className={id === 'delete' || id === 'force-stop' ? 'danger' : undefined}
          disabled={busy || !actionEnabled(id, instance.state)}
          onClick={() => perform(id)}
          aria-label={`${actionSpec(id).label} ${instance.name}`}
        >
          {actionSpec(id).label}
        </button>
      ))}
      <Dialog open={confirming} title={`Delete ${instance.name}?`} onClose={() => setConfirming(false)}>
        <p>
          This removes the instance and its disks for good.
          {instance.state !== 'Stopped' ? ` It is ${instance.state}: it will be powered off first.` : ''}
        </p>
        <div className="dialog-buttons">
          <button type="button" onClick={() => setConfirming(false)} autoFocus>Cancel</button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setConfirming(false);
              action.mutate({ id: 'delete', instance });
            }}
          >
            Delete {instance.name}
          </button>
        </div>
      </Dialog>
    </div>
  );
}
