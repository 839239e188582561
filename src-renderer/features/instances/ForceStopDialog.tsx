// Force stop asks first: it ends the VM at once, like pulling the power plug, and what the guest
// had not written to its disk is lost.
import { useInstances } from '../../state/queries.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { useActionDialog } from './dialog-store.ts';
import { useInstanceAction } from './useInstanceAction.ts';

export function ForceStopDialog() {
  const asking = useActionDialog((s) => (s.asking?.action === 'force-stop' ? s.asking.name : undefined));
  const close = useActionDialog((s) => s.close);
  const instance = useInstances().data?.find((i) => i.name === asking);
  const { mutate } = useInstanceAction();
  return (
    <Dialog open={instance !== undefined} title={instance ? `Force stop ${instance.name}?` : 'Force stop'} onClose={close}>
      {instance ? (
        <>
          <p>
            This ends {instance.name} at once, like pulling the power plug: the guest cannot shut down, and what it had
            not saved to its disk is lost.{' '}
            {/* A Broken VM has no clean way down (Stop is not offered): say what ending it gives back instead. */}
            {instance.state === 'Broken' ? 'It is broken, so this is the way to stop it; stopped, it can be started, cloned or edited again.' : 'Use Stop to let it shut down cleanly.'}
          </p>
          <div className="dialog-buttons">
            <button type="button" onClick={close} autoFocus>Cancel</button>
            <button type="button" className="danger" onClick={() => { close(); mutate({ id: 'force-stop', instance }); }}>
              Force stop {instance.name}
            </button>
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
