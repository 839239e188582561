// "New instance": a template (from the catalog, or a lima.yaml path on the engine's machine), a name
// checked as it is typed, optional resource overrides, and the driver, where drivers that
// cannot run here are listed but disabled with the reason.
import { useId, useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreateRequest } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { keys, useDrivers, useTemplates } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { nameProblem } from './name-rule.ts';

export function CreateDialog() {
  const open = useUi((s) => s.createOpen);
  const setOpen = useUi((s) => s.setCreateOpen);
  return (
    <Dialog open={open} title="New instance" onClose={() => setOpen(false)}>
      <CreateForm onDone={() => setOpen(false)} />
    </Dialog>
  );
}

/** The template select's value for "a file of my own" (catalog names never start with a dot). */
const fileChoice = '.file';

function CreateForm({ onDone }: { onDone: () => void }) {
  const id = useId();
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  const drivers = useDrivers();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const templates = useTemplates();
  // Until the user picks, the first catalog entry (or a file, while the catalog loads).
  const [picked, setPicked] = useState<string | undefined>();
  const [templateFile, setTemplateFile] = useState('');
  const choice = picked ?? templates.data?.[0]?.name ?? fileChoice;
  const template = choice === fileChoice ? templateFile : choice;
  const [cpus, setCpus] = useState('');
  const [memory, setMemory] = useState('');
  const [disk, setDisk] = useState('');
  const [driver, setDriver] = useState('');
  const [withDisplay, setWithDisplay] = useState(true);
  const hasDisplay = drivers.data?.find((d) => d.name === driver)?.capabilities?.display.includes('vnc') ?? false;
  const problem = nameProblem(name);
  const create = useMutation({
    mutationFn: (request: CreateRequest) => api.create(request),
    onSuccess: async (result) => {
      await client.invalidateQueries({ queryKey: keys.instances });
      notify({ kind: 'info', text: `Created ${result.instance.name}.${result.warnings.map((w) => ` Warning: ${w}`).join('')}` });
      onDone();
    },
  });
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setTouched(true);
    if (problem || template.trim() === '') return;
    create.mutate({
      name,
      template: template.trim(),
      ...(cpus ? { cpus: Number(cpus) } : {}),
      ...(memory.trim() ? { memory: memory.trim() } : {}),
      ...(disk.trim() ? { disk: disk.trim() } : {}),
      ...(driver ? { driver } : {}),
      ...(driver && hasDisplay ? { display: withDisplay ? 'vnc' as const : 'none' as const } : {}),
    });
  };
  const showProblem = (touched || name !== '') && problem !== undefined;
  const selected = drivers.data?.find((d) => d.name === driver);
  return (
    <form onSubmit={submit} className="form" noValidate>
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoFocus required
        aria-invalid={showProblem} aria-describedby={`${id}-name-help`} autoComplete="off" spellCheck={false}
      />
      <p id={`${id}-name-help`} className={showProblem ? 'field-error' : 'help'} aria-live="polite">
        {showProblem ? `Invalid name: ${problem}` : 'Letters, digits, "-", "_" and "."; up to 63 characters.'}
      </p>

      <label htmlFor={`${id}-catalog`}>Template</label>
      <select id={`${id}-catalog`} value={choice} onChange={(e) => setPicked(e.target.value)}>
        {templates.data?.map((t) => <option key={t.name} value={t.name}>{t.name}: {t.description}</option>)}
        <option value={fileChoice}>A lima.yaml file…</option>
      </select>
      {choice === fileChoice ? (
        <>
          <label htmlFor={`${id}-template`}>Template file (lima.yaml path)</label>
          <input
            id={`${id}-template`} value={templateFile} required
            onChange={(e) => { setPicked(fileChoice); setTemplateFile(e.target.value); }}
            aria-invalid={touched && templateFile.trim() === ''} spellCheck={false} placeholder="/path/to/template.yaml"
          />
        </>
      ) : null}

      <label htmlFor={`${id}-driver`}>Driver</label>
      <select id={`${id}-driver`} value={driver} onChange={(e) => setDriver(e.target.value)} aria-describedby={`${id}-driver-help`}>
        <option value="">As the template says (vmType)</option>
        {drivers.data?.map((d) => (
          <option key={d.name} value={d.name} disabled={!d.available.ok}>
            {d.name} {d.version ?? ''}{d.sandbox.state === 'unsandboxed' ? ' (UNSANDBOXED)' : ''}{d.available.ok ? '' : ` (unavailable: ${d.available.reason})`}
          </option>
        ))}
      </select>
      <p id={`${id}-driver-help`} className="help">
        {drivers.isPending ? 'Asking the drivers…' : selected ? selected.description || `${selected.name} driver` : 'Unavailable drivers are listed with the reason.'}
      </p>

      {driver && hasDisplay ? (
        <label className="checkbox">
          <input type="checkbox" checked={withDisplay} onChange={(e) => setWithDisplay(e.target.checked)} />
          Graphical display (VNC): view the guest's screen in the app
        </label>
      ) : null}

      <fieldset className="resources">
        <legend>Resources (empty: the template’s values)</legend>
        <label htmlFor={`${id}-cpus`}>CPUs</label>
        <input id={`${id}-cpus`} type="number" min={1} step={1} inputMode="numeric" value={cpus} onChange={(e) => setCpus(e.target.value)} />
        <label htmlFor={`${id}-memory`}>Memory</label>
        <input id={`${id}-memory`} value={memory} onChange={(e) => setMemory(e.target.value)} placeholder="e.g. 512MiB" />
        <label htmlFor={`${id}-disk`}>Disk</label>
        <input id={`${id}-disk`} value={disk} onChange={(e) => setDisk(e.target.value)} placeholder="e.g. 4GiB" />
      </fieldset>

      {create.isError ? <p role="alert" className="field-error">Could not create: {errorMessage(create.error)}</p> : null}
      <div className="dialog-buttons">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create'}</button>
      </div>
    </form>
  );
}
