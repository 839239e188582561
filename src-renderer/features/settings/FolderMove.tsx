// Settings' "Move…" for the download cache and the instances folder: a new folder (a typed
// path: the web shell has no folder picker), the engine's progress while the files move, and
// its refusal on the field (not empty, not writable, not enough space, a download or an
// instance running), the dialog staying open with what was typed. Done, the page shows the
// new place and the notice bar says so.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { useOnline } from '../connection/store.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { formatBytes } from '../../ui/format.ts';

type MovableFolder = 'cache' | 'instances';

const words: Record<MovableFolder, { name: string; title: string; what: string; placeholder: string }> = {
  cache: {
    name: 'the download cache',
    title: 'Move the download cache',
    what: 'The downloaded images and archives move',
    placeholder: '/mnt/big-disk/corral-cache',
  },
  instances: {
    name: 'the instances folder',
    title: 'Move the instances folder',
    what: 'Every instance (all must be stopped) moves',
    placeholder: '/mnt/big-disk/corral-instances',
  },
};

export function FolderMoveButton({ folder, current, fixedBy }: { folder: MovableFolder; current: string; fixedBy: string | undefined }) {
  const [open, setOpen] = useState(false);
  const online = useOnline();
  return (
    <>
      <button type="button" onClick={() => setOpen(true)} disabled={!online || fixedBy !== undefined}
        title={fixedBy ? `Set by ${fixedBy}: change that instead` : undefined}>Move…</button>
      <Dialog open={open} title={words[folder].title} onClose={() => setOpen(false)}>
        {open ? <FolderMoveForm folder={folder} current={current} onDone={() => setOpen(false)} /> : null}
      </Dialog>
    </>
  );
}

function FolderMoveForm({ folder, current, onDone }: { folder: MovableFolder; current: string; onDone: () => void }) {
  const said = words[folder];
  const id = useId();
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  const [target, setTarget] = useState('');
  const [touched, setTouched] = useState(false);
  const [progress, setProgress] = useState<{ bytes: number; total: number } | undefined>();
  useEffect(() => api.onEvent((event) => {
    if ((event.type === 'cache-move' || event.type === 'instances-move') && event.type === `${folder}-move`) setProgress({ bytes: event.bytes, total: event.total });
  }), [folder]);
  const move = useMutation({
    mutationFn: (to: string) => (folder === 'cache' ? api.moveCache({ target: to }) : api.moveInstances({ target: to })),
    onSuccess: async (result) => {
      await client.invalidateQueries({ queryKey: ['settings'] });
      notify({ kind: 'info', text: `Moved ${said.name} (${formatBytes(result.bytes)}) to ${result.to}.` });
      onDone();
    },
    onSettled: () => setProgress(undefined),
  });
  const problem = target.trim() === '' ? 'give the full path of the new folder' : !target.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(target) ? 'give a full path (starting with /)' : undefined;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setTouched(true);
    if (!problem) move.mutate(target.trim());
  };
  const fieldError = touched && problem ? `Folder: ${problem}` : move.isError ? errorMessage(move.error) : undefined;
  const percent = progress && progress.total > 0 ? Math.floor((progress.bytes / progress.total) * 100) : undefined;
  return (
    <form className="form" onSubmit={submit} noValidate>
      <p className="help">{said.what} from <code className="path">{current}</code> to the new folder, which must be empty or new; another disk is fine. Later starts use it, and the old folder becomes a link to it.</p>
      <label htmlFor={`${id}-target`}>New folder</label>
      <input
        id={`${id}-target`}
        value={target}
        placeholder={said.placeholder}
        onChange={(e) => { setTarget(e.target.value); setTouched(true); move.reset(); }}
        aria-invalid={fieldError !== undefined}
        aria-describedby={fieldError ? `${id}-error` : undefined}
        autoComplete="off"
        spellCheck={false}
        autoFocus
        disabled={move.isPending}
      />
      {fieldError ? <p id={`${id}-error`} className="field-error" role="alert">{fieldError}</p> : null}
      {move.isPending ? (
        <div role="status" className="help">
          <progress max={100} value={percent} aria-label={`Moving ${said.name}`} />
          {progress ? ` ${formatBytes(progress.bytes)} of ${formatBytes(progress.total)}` : ' Starting…'}
        </div>
      ) : null}
      <div className="dialog-buttons">
        <button type="button" onClick={onDone} disabled={move.isPending}>Cancel</button>
        <button type="submit" className="primary" disabled={move.isPending}>{move.isPending ? 'Moving…' : 'Move'}</button>
      </div>
    </form>
  );
}
