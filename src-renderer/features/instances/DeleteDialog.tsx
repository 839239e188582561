// The one delete confirmation of the page (rows and the instance page ask through the UI
// store), instead of a <dialog> per row. It reads the instance live, so the warning about a
// running instance is current when the user confirms.
import type { Instance } from '../../../src-main/api/contract.ts';
import { useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { useInstanceAction } from './useInstanceAction.ts';

export function DeleteDialog() {
  const deleting = useUi((s) => s.deleting);
  const askDelete = useUi((s) => s.askDelete);
  const instance = useInstances().data?.find((i) => i.name === deleting);
  const close = (): void => askDelete(undefined);
  return (
    <Dialog open={instance !== undefined} title={instance ? `Delete ${instance.name}?` : 'Delete'} onClose={close}>
      {instance ? <DeleteConfirm instance={instance} onClose={close} /> : null}
    </Dialog>
  );
}

function DeleteConfirm({ instance, onClose }: { instance: Instance; onClose: () => void }) {
  const { mutate } = useInstanceAction();
  return (
    <>
      <p>
        This removes the instance and its disks for good. {deleteNote(instance)}
      </p>
      <div className="dialog-buttons">
        <button type="button" onClick={onClose} autoFocus>Cancel</button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            onClose();
            mutate({ id: 'delete', instance });
          }}
        >
          Delete {instance.name}
        </button>
      </div>
    </>
  );
}

/**
 * What else the delete does, by status. A Broken instance's driver may not answer at all: the
 * engine then asks it to stop and delete what it can and removes the folder anyway, saying
 * afterwards what it could not remove (engine/lifecycle.ts).
 */
function deleteNote(instance: Instance): string {
  if (instance.state === 'Stopped') return '';
  if (instance.state === 'Broken') return 'It is broken: its VM is ended at once if it still runs, and the folder is removed even if its driver cannot delete the VM; you are told what may remain.';
  return `It is ${instance.state}: it will be powered off first.`;
}
