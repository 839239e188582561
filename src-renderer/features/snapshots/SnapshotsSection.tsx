// The instance's snapshots: list, take one (a tag), apply or delete one after confirming.
// A snapshot that cannot be applied in the instance's state (one taken running, on a stopped
// VM, and the reverse) is refused before asking, with the reason; a finished action says so.
// Every action refetches the list; failures show the engine's own message.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Instance } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys } from '../../state/queries.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { applyRefusal, savedParts, snapshotSize, suggestedTag } from './snapshot-rules.ts';
import './snapshots.css';

export const snapshotsKey = (name: string) => ['snapshots', name] as const;

type Action = { kind: 'create' | 'apply' | 'delete'; tag: string };

function run(name: string, action: Action): Promise<void> {
  switch (action.kind) {
    case 'create': return api.createSnapshot({ name, tag: action.tag });
    case 'apply': return api.applySnapshot({ name, tag: action.tag });
    case 'delete': return api.deleteSnapshot({ name, tag: action.tag });
  }
}

const doneText: Record<Action['kind'], (name: string, tag: string) => string> = {
  create: (_name, tag) => `Took snapshot “${tag}”.`,
  apply: (name, tag) => `Applied snapshot “${tag}”: ${name} is back where it was when it was taken.`,
  delete: (_name, tag) => `Deleted snapshot “${tag}”.`,
};

const verb: Record<Action['kind'], string> = { create: 'Take snapshot', apply: 'Apply snapshot', delete: 'Delete snapshot' };

export function SnapshotsSection({ instance }: { instance: Instance }) {
  const { name } = instance;
  const client = useQueryClient();
  // Keyed by state too: a start or stop changes what a snapshot holds and which path takes it.
  // Asked only in settled states: the engine refuses while the instance starts or stops.
  const settled = instance.state === 'Running' || instance.state === 'Paused' || instance.state === 'Stopped';
  const snapshots = useQuery({ queryKey: [...snapshotsKey(name), instance.state], queryFn: () => api.listSnapshots({ name }), enabled: settled });
  const [tag, setTag] = useState('');
  const [confirming, setConfirming] = useState<Action | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const action = useMutation({
    mutationFn: (a: Action) => run(name, a),
    onMutate: () => setDone(undefined),
    onSuccess: (_value, a) => {
      if (a.kind === 'create') setTag('');
      setDone(doneText[a.kind](name, a.tag));
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: snapshotsKey(name) });
      void client.invalidateQueries({ queryKey: keys.instances });
    },
  });
  const busy = action.isPending || instance.state === 'Starting' || instance.state === 'Stopping';
  const list = snapshots.data ?? [];
  const suggested = suggestedTag(list.map((s) => s.tag));
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    action.mutate({ kind: 'create', tag: tag.trim() || suggested });
  };
  return (
    <section aria-labelledby="snapshots-title" className="panel-section">
      <h2 id="snapshots-title">Snapshots</h2>
      <form className="snapshot-form" onSubmit={submit}>
        <label htmlFor={`snapshot-tag-${name}`}>Snapshot tag</label>
        <input id={`snapshot-tag-${name}`} value={tag} placeholder={suggested} onChange={(e) => setTag(e.target.value)} maxLength={255} autoComplete="off" />
        <button type="submit" disabled={busy}>Take snapshot</button>
        <span className="console-status">
          {savedParts(instance)}
        </span>
      </form>
      {action.isError ? (
        <p className="notice error" role="alert">
          {verb[action.variables.kind]} “{action.variables.tag}”: {errorMessage(action.error)}
        </p>
      ) : null}
      <p role="status" className={action.isPending || done ? 'snapshot-status' : 'visually-hidden'} data-testid="snapshot-status">
        {action.isPending ? `${verb[action.variables.kind]} “${action.variables.tag}”…` : (done ?? '')}
      </p>
      {snapshots.isError ? <p className="notice error" role="alert">{errorMessage(snapshots.error)}</p> : null}
      {snapshots.isPending ? <p role="status">Loading snapshots…</p> : null}
      {snapshots.isSuccess && list.length === 0 ? <p>No snapshots yet.</p> : null}
      {list.length > 0 ? (
        <table className="instances snapshots" data-testid="snapshots">
          <thead>
            <tr><th scope="col">Tag</th><th scope="col">Taken</th><th scope="col">Size</th><th scope="col">State</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {list.map((s) => {
              const refusal = applyRefusal(s, instance);
              return (
              <tr key={s.tag} data-snapshot={s.tag}>
                <th scope="row" title={s.tag}>{s.tag}</th>
                <td>{new Date(s.createdAt).toLocaleString()}</td>
                <td>{snapshotSize(s)}</td>
                <td>{s.running ? 'taken running' : 'taken stopped'}</td>
                <td>
                  <div className="actions">
                  <button
                    type="button"
                    disabled={busy || refusal !== undefined}
                    aria-label={`Apply snapshot ${s.tag}`}
                    aria-describedby={refusal ? `apply-refusal-${s.tag}` : undefined}
                    onClick={() => setConfirming({ kind: 'apply', tag: s.tag })}
                  >
                    Apply
                  </button>
                  <button type="button" className="danger" disabled={busy} aria-label={`Delete snapshot ${s.tag}`} onClick={() => setConfirming({ kind: 'delete', tag: s.tag })}>Delete</button>
                  {refusal ? <span id={`apply-refusal-${s.tag}`} className="snapshot-refusal">{refusal}</span> : null}
                  </div>
                </td>
              </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      <Dialog
        open={confirming !== undefined}
        title={confirming ? `${confirming.kind === 'apply' ? 'Apply' : 'Delete'} snapshot ${confirming.tag}?` : ''}
        onClose={() => setConfirming(undefined)}
      >
        <p>
          {confirming?.kind === 'apply'
            ? `${name} goes back to this snapshot; what changed since it was taken is lost.`
            : 'The snapshot is removed for good.'}
        </p>
        <div className="dialog-buttons">
          <button type="button" onClick={() => setConfirming(undefined)} autoFocus>Cancel</button>
          <button
            type="button"
            className={confirming?.kind === 'delete' ? 'danger' : 'primary'}
            onClick={() => {
              if (confirming) action.mutate(confirming);
              setConfirming(undefined);
            }}
          >
            {confirming?.kind === 'apply' ? 'Apply' : 'Delete'}
          </button>
        </div>
      </Dialog>
    </section>
  );
}
