// Force stop asks first: it ends the VM at once, like pulling the power plug, and what the guest
// had not written to its disk is lost. Restart of a Broken VM does the same before it starts it
// again (it cannot shut down), so it asks here too, in its own words.
import { useInstances } from '../../state/queries.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { useActionDialog } from './dialog-store.ts';
import { useInstanceAction } from './useInstanceAction.ts';

export function ForceStopDialog() {
  const asking = useActionDialog((s) => (s.asking?.action === 'force-stop' || s.asking?.action === 'restart' ? s.asking : undefined));
  const close = useActionDialog((s) => s.close);
  const instance = useInstances().data?.find((i) => i.name === asking?.name);
  const { mutate } = useInstanceAction();
  const restart = asking?.action === 'restart';
  const verb = restart ? 'Restart' : 'Force stop';
  return (
    <Dialog open={instance !== undefined} title={instance ? `${verb} ${instance.name}?` : verb} onClose={close}>
      {instance ? (
        <>
          <p>
            This ends {instance.name} at once, like pulling the power plug: the guest cannot shut down, and what it had
            not saved to its disk is lost. {afterwards(restart, instance.state === 'Broken')}
          </p>
          <div className="dialog-buttons">
            <button type="button" onClick={close} autoFocus>Cancel</button>
            <button type="button" className="danger" onClick={() => { close(); mutate({ id: restart ? 'restart' : 'force-stop', instance }); }}>
              {verb} {instance.name}
            </button>
          </div>
        </>
      ) : null}
    </Dialog>
  );
}

/** What follows the plug being pulled, or what else there is. */
function afterwards(restart: boolean, broken: boolean): string {
  if (restart) return 'Then it starts again.';
  // A Broken VM has no clean way down (Stop is not offered): say what ending it gives back instead.
  if (broken) return 'It is broken, so this is the way to stop it; stopped, it can be started, cloned or edited again.';
  return 'Use Stop to let it shut down cleanly.';
}
