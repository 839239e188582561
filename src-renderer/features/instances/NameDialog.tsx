// "Clone…" and "Rename…": a new name, checked as it is typed. The engine's refusal (the name
// is taken, the instance started meanwhile) shows on the field, and the dialog stays open with
// what was typed. A rename done from the instance page follows the instance to its new address.
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Instance } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys, useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { useActionDialog } from './dialog-store.ts';
import { nameProblem } from './name-rule.ts';

type NameAction = 'clone' | 'rename';

const words: Record<NameAction, { title: string; button: string; doing: string; done: string }> = {
  clone: { title: 'Clone', button: 'Clone', doing: 'Cloning…', done: 'Cloned' },
  rename: { title: 'Rename', button: 'Rename', doing: 'Renaming…', done: 'Renamed' },
};

export function NameDialog() {
  const asking = useActionDialog((s) => s.asking);
  const close = useActionDialog((s) => s.close);
  const action = asking?.action === 'clone' || asking?.action === 'rename' ? asking.action : undefined;
  const instance = useInstances().data?.find((i) => i.name === asking?.name);
  const open = action !== undefined && instance !== undefined;
  return (
    <Dialog open={open} title={open ? `${words[action].title} ${instance.name}` : ''} onClose={close}>
      {open ? <NameForm key={`${action}:${instance.name}`} action={action} instance={instance} onDone={close} /> : null}
    </Dialog>
  );
}

function NameForm({ action, instance, onDone }: { action: NameAction; instance: Instance; onDone: () => void }) {
  const id = useId();
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  const view = useUi((s) => s.view);
  const show = useUi((s) => s.show);
  const [name, setName] = useState(action === 'clone' ? `${instance.name}-copy` : instance.name);
  const [touched, setTouched] = useState(false);
  const problem = nameProblem(name) ?? (name === instance.name ? `it is already called ${instance.name}` : undefined);
  const run = useMutation({
    mutationFn: (newName: string) => (action === 'clone' ? api.clone({ name: instance.name, newName }) : api.rename({ name: instance.name, newName })),
    onSuccess: async (result) => {
      await client.invalidateQueries({ queryKey: keys.instances });
      notify({ kind: 'info', text: `${words[action].done} ${instance.name} as ${result.name}.`, instance: result.name });
      if (action === 'rename' && view.kind === 'instance' && view.name === instance.name) show({ kind: 'instance', name: result.name });
      onDone();
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setTouched(true);
    if (!problem) run.mutate(name);
  };
  const fieldError = touched && problem ? `Invalid name: ${problem}` : run.isError ? errorMessage(run.error) : undefined;
  return (
    <form className="form" onSubmit={submit} noValidate>
      {action === 'clone' ? <p className="help">A copy of {instance.name} with its disk, stopped, under a new name.</p> : null}
      <label htmlFor={`${id}-name`}>New name</label>
      <input
        id={`${id}-name`}
        value={name}
        onChange={(e) => { setName(e.target.value); setTouched(true); run.reset(); }}
        aria-invalid={fieldError !== undefined}
        aria-describedby={fieldError ? `${id}-error` : undefined}
        autoComplete="off"
        spellCheck={false}
        autoFocus
        onFocus={(e) => e.target.select()}
      />
      {fieldError ? <p id={`${id}-error`} className="field-error" role="alert">{fieldError}</p> : null}
      <div className="dialog-buttons">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={run.isPending}>
          {run.isPending ? words[action].doing : words[action].button}
        </button>
      </div>
    </form>
  );
}
