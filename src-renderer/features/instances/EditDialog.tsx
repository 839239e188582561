// "Edit…": CPUs, memory and disk of a stopped instance, prefilled with what it has now. Each
// field is checked as it is typed, in the UI's words (a size like 512MiB or 4GiB; the disk can
// grow, not shrink); only changed fields are sent, and the engine's refusal shows in the dialog.
// What this host can give only in part (more CPUs or memory than it has) shows on the field as
// it is typed, and the engine's own warnings after a save (memory beyond what is free now) too:
// the dialog then stays open, saying it saved, until the user has read them.
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { EditRequest, Instance } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys, useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { useActionDialog } from './dialog-store.ts';
import { sizeBytes, sizeText } from '../../ui/size.ts';
import { checkCpus, checkMemory } from '../create/field-checks.ts';
import { useHostInfo } from '../create/queries.ts';
import { warningCount, warningsByField } from './edit-warnings.ts';

export function EditDialog() {
  const asking = useActionDialog((s) => (s.asking?.action === 'edit' ? s.asking.name : undefined));
  const close = useActionDialog((s) => s.close);
  const instance = useInstances().data?.find((i) => i.name === asking);
  return (
    <Dialog open={instance !== undefined} title={instance ? `Edit ${instance.name}` : ''} onClose={close}>
      {instance ? <EditForm key={instance.name} instance={instance} onDone={close} /> : null}
    </Dialog>
  );
}

interface Fields { cpus: string; memory: string; disk: string }

/** What is wrong with each field, in words for the field; an empty object when all is well. */
export function editProblems(fields: Fields, current: Instance): Partial<Fields> {
  const problems: Partial<Fields> = {};
  const cpus = Number(fields.cpus.trim());
  if (!/^\d+$/.test(fields.cpus.trim()) || cpus < 1) problems.cpus = 'Enter a whole number of CPUs, 1 or more.';
  if (sizeBytes(fields.memory) === undefined) problems.memory = 'Enter a size such as 512MiB or 4GiB.';
  const disk = sizeBytes(fields.disk);
  if (disk === undefined) problems.disk = 'Enter a size such as 20GiB.';
  else if (disk < current.diskBytes) problems.disk = `The disk can grow but not shrink: it is ${sizeText(current.diskBytes)} now.`;
  return problems;
}

function EditForm({ instance, onDone }: { instance: Instance; onDone: () => void }) {
  const id = useId();
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  const [fields, setFields] = useState<Fields>({ cpus: String(instance.cpus), memory: sizeText(instance.memoryBytes), disk: sizeText(instance.diskBytes) });
  const problems = editProblems(fields, instance);
  const host = useHostInfo().data;
  const [saved, setSaved] = useState<ReturnType<typeof warningsByField> | undefined>();
  const typed = { cpus: checkCpus(fields.cpus, host).warning, memory: checkMemory(fields.memory, host).warning };
  const warnings = { ...typed, ...saved };
  const edit = useMutation({
    mutationFn: (request: EditRequest) => api.edit(request),
    onSuccess: async (result) => {
      await client.invalidateQueries({ queryKey: keys.instances });
      notify({ kind: 'info', text: `Saved ${result.name}: ${result.cpus} CPU${result.cpus === 1 ? '' : 's'}, ${sizeText(result.memoryBytes)} memory, ${sizeText(result.diskBytes)} disk.`, instance: result.name });
      if (result.warnings.length === 0) return onDone();
      setSaved(warningsByField(result.warnings));
    },
  });
  const changes: EditRequest = {
    name: instance.name,
    ...(Number(fields.cpus) !== instance.cpus ? { cpus: Number(fields.cpus) } : {}),
    ...(sizeBytes(fields.memory) !== instance.memoryBytes ? { memory: fields.memory.trim() } : {}),
    ...(sizeBytes(fields.disk) !== instance.diskBytes ? { disk: fields.disk.trim() } : {}),
  };
  const changed = Object.keys(changes).length > 1;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (Object.keys(problems).length === 0 && changed) edit.mutate(changes);
  };
  const field = (key: keyof Fields, label: string, help: string) => (
    <>
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        value={fields[key]}
        inputMode={key === 'cpus' ? 'numeric' : 'text'}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={problems[key] !== undefined}
        aria-describedby={`${id}-${key}-note`}
        onChange={(e) => { setFields({ ...fields, [key]: e.target.value }); edit.reset(); setSaved(undefined); }}
        autoFocus={key === 'cpus'}
      />
      <p id={`${id}-${key}-note`} className={problems[key] ? 'field-error' : 'help'}>{problems[key] ?? help}</p>
      {!problems[key] && warnings[key] ? <p className="field-warning" data-testid={`edit-${key}-warning`}>{warnings[key]}</p> : null}
    </>
  );
  return (
    <form className="form" onSubmit={submit} noValidate>
      {field('cpus', 'CPUs', `Now ${instance.cpus}.`)}
      {field('memory', 'Memory', `Now ${sizeText(instance.memoryBytes)}.`)}
      {field('disk', 'Disk', `Now ${sizeText(instance.diskBytes)}; it can grow, not shrink.`)}
      {saved?.other.map((w) => <p key={w} className="field-warning">{w}</p>)}
      {edit.isError ? <p className="notice error" role="alert">Could not save: {errorMessage(edit.error)}</p> : null}
      {saved ? <p role="status">Saved, with {warningCount(saved) === 1 ? "the warning" : "the warnings"} above.</p> : null}
      <div className="dialog-buttons">
        <button type="button" onClick={onDone}>{saved ? 'Close' : 'Cancel'}</button>
        <button type="submit" className="primary" disabled={edit.isPending || !changed || Object.keys(problems).length > 0}>
          {edit.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
