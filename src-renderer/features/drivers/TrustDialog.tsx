// The trust dialog: what a dropped driver bundle is, who signed it, what it asks to do, and
// whether the sandbox will hold it to that. Installing is the user's explicit answer here.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { useBundleInstall } from './store.ts';
import type { PendingBundle } from './store.ts';

const listed = (items: string[]) => (items.length > 0 ? items.join(', ') : 'nothing');

export function TrustDialog() {
  const pending = useBundleInstall((s) => s.pending);
  const setPending = useBundleInstall((s) => s.setPending);
  return (
    <Dialog open={pending !== undefined} title="Install a driver?" onClose={() => setPending(undefined)}>
      {pending ? <TrustDetails pending={pending} onDone={() => setPending(undefined)} /> : null}
    </Dialog>
  );
}

function TrustDetails({ pending, onDone }: { pending: PendingBundle; onDone: () => void }) {
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  const { review } = pending;
  const install = useMutation({
    mutationFn: () => api.installDriverBundle({ source: pending.source }),
    onSuccess: async (driver) => {
      await client.invalidateQueries({ queryKey: keys.drivers });
      const confinement = driver.sandbox.state === 'sandboxed' ? 'sandboxed' : 'UNSANDBOXED';
      notify({ kind: 'info', text: `Installed driver ${driver.name} ${driver.version ?? ''} (${confinement}). Pick it in the create dialog.` });
      onDone();
    },
  });
  const p = review.permissions;
  // Only a bundle signed by a key the user trusts makes Install the default answer; for any
  // other, Cancel is the primary button and has the focus, so Enter does not install it.
  const vouched = review.signed === 'trusted';
  return (
    <div className="trust" data-testid="trust-dialog">
      <p><strong>{review.name} {review.version}</strong>{review.replaces ? ` (replaces ${review.replaces})` : ''}: {review.description}</p>
      <p className={review.signed === 'trusted' ? 'signer' : 'signer warn'}>{review.signer}</p>
      <p>From {pending.fileName}. It asks to:</p>
      <dl className="permissions" aria-label="Permissions it asks for">
        <dt>Read</dt><dd>{listed(p.read)}</dd>
        <dt>Write</dt><dd>{listed(p.write)} (besides its instance folders and cache)</dd>
        <dt>Run</dt><dd>{listed(p.exec)}</dd>
        {p.spawn?.length ? <><dt>Start</dt><dd>{listed(p.spawn)} (through Corral&rsquo;s broker: kept running after the driver exits, reaching only the files above)</dd></> : null}
        <dt>Network</dt><dd>{p.network ? 'yes' : 'no'}</dd>
        {p.ssh ? <><dt>SSH</dt><dd>log in to other hosts as you: your ~/.ssh read-only (keys, known_hosts, config) and your SSH agent</dd></> : null}
      </dl>
      {review.sandbox.enforced
        ? <p className="sandbox">Sandbox: enforced ({review.sandbox.by}). The driver gets only the above.</p>
        : <p className="sandbox warn" role="alert">UNSANDBOXED: {review.sandbox.reason}. The driver will run with all of your rights, whatever it asks for.</p>}
      {install.isError ? <p role="alert" className="field-error">Not installed: {errorMessage(install.error)}</p> : null}
      <div className="dialog-buttons">
        <button type="button" className={vouched ? undefined : 'primary'} onClick={onDone} disabled={install.isPending} autoFocus={!vouched}>Cancel</button>
        <button type="button" className={vouched ? 'primary' : undefined} onClick={() => install.mutate()} disabled={install.isPending}>
          {install.isPending ? 'Installing…' : vouched ? 'Install' : 'Install anyway'}
        </button>
      </div>
    </div>
  );
}
