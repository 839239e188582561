// "New instance": a name checked as it is typed, a template from the catalog gallery or a file,
// its CPUs, memory and disk prefilled with the template's values and checked against this host
// (a warning on the field when the host has less), the driver (Settings' default preselected;
// drivers that cannot run here listed but disabled with the reason) and the display, always
// shown. Every problem is said on its field, and Create moves the focus to the first one.
import { useEffect, useId, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { CreateRequest, TemplateFacts } from '../../../src-main/api/contract.ts';
import { api, pickTemplateFile, uploadTemplateFile } from '../../api/index.ts';
import { TemplateUpload } from '../create/TemplateUpload.tsx';
import { useUploadLease } from '../create/upload-lease.ts';
import { ApiCallError, errorMessage } from '../../api/errors.ts';
import { keys, useDrivers } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { formatBytes } from '../../ui/format.ts';
import { sizeText } from '../../ui/size.ts';
import { checkCpus, checkDisk, checkMemory } from '../create/field-checks.ts';
import type { FieldCheck } from '../create/field-checks.ts';
import { useCatalog, useHostInfo, useTemplateFileFacts } from '../create/queries.ts';
import { TemplateGallery, factsLine, fileChoice, imageLine } from '../create/TemplateGallery.tsx';
import { useDefaultDriver } from '../settings/default-driver.ts';
import { ConnectionPicker } from '../connections/ConnectionPicker.tsx';
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

/** How long typing must pause before a typed template path is read. */
const typingPauseMs = 400;

type Field = 'name' | 'file' | 'cpus' | 'memory' | 'disk';

/** An engine refusal put on the field it is about (its details name the field), in the dialog's words. */
function engineFieldError(error: unknown): { field: Field; text: string } | undefined {
  if (!(error instanceof ApiCallError)) return undefined;
  const field = error.details.field;
  const hostBytes = error.details.hostBytes;
  if (field === 'memory' && typeof hostBytes === 'number') return { field: 'memory', text: `This computer can give at most ${formatBytes(hostBytes)} (memory and swap).` };
  if (error.code === 'INVALID_NAME' || error.code === 'ALREADY_EXISTS') return { field: 'name', text: error.message };
  if (field === 'cpus' || field === 'memory' || field === 'disk') return { field, text: error.message };
  return undefined;
}

function CreateForm({ onDone }: { onDone: () => void }) {
  const id = useId();
  const form = useRef<HTMLFormElement>(null);
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  const drivers = useDrivers();
  const catalog = useCatalog();
  const host = useHostInfo();
  const defaultDriver = useDefaultDriver((s) => s.driver);
  const [name, setName] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [picked, setPicked] = useState<string | undefined>();
  const [templateFile, setTemplateFile] = useState('');
  const [fileAsked, setFileAsked] = useState('');
  const [uploadProblem, setUploadProblem] = useState<string | undefined>();
  const [uploaded, setUploaded] = useState<string | undefined>();
  // A typed path is read once typing pauses, not only when the field loses focus.
  useEffect(() => {
    const pause = setTimeout(() => setFileAsked(templateFile.trim()), typingPauseMs);
    return () => clearTimeout(pause);
  }, [templateFile]);
  // Until the user picks, the first usable catalog entry (or a file, when the catalog has none).
  const choice = picked ?? catalog.data?.find((t) => t.facts)?.name ?? (catalog.isPending ? '' : fileChoice);
  // Held from prune while the dialog shows it (until Create, or another template is chosen).
  useUploadLease(choice === fileChoice && templateFile.trim() === uploaded ? uploaded : undefined, setUploadProblem);
  const fileFacts = useTemplateFileFacts(choice === fileChoice ? fileAsked : '');
  const facts: TemplateFacts | undefined = choice === fileChoice ? fileFacts.data : catalog.data?.find((t) => t.name === choice)?.facts;
  // undefined: not edited, so the field shows (and create uses) the template's value.
  const [cpus, setCpus] = useState<string | undefined>();
  const [memory, setMemory] = useState<string | undefined>();
  const [disk, setDisk] = useState<string | undefined>();
  const [driver, setDriver] = useState<string | undefined>();
  const [connection, setConnection] = useState('');
  const [display, setDisplay] = useState<boolean | undefined>();

  const chosenDriver = driver ?? (drivers.data?.some((d) => d.name === defaultDriver && d.available.ok) ? defaultDriver : '');
  const effectiveDriver = chosenDriver || facts?.vmType;
  const driverInfo = drivers.data?.find((d) => d.name === effectiveDriver);
  const canDisplay = driverInfo?.capabilities?.display.includes('vnc') ?? false;
  const withDisplay = canDisplay && (display ?? true);

  const values = {
    cpus: cpus ?? (facts ? String(facts.cpus) : ''),
    memory: memory ?? (facts ? sizeText(facts.memoryBytes) : ''),
    disk: disk ?? (facts ? sizeText(facts.diskBytes) : ''),
  };
  const checks: Record<'cpus' | 'memory' | 'disk', FieldCheck> = facts
    ? { cpus: checkCpus(values.cpus, host.data), memory: checkMemory(values.memory, host.data), disk: checkDisk(values.disk) }
    : { cpus: {}, memory: {}, disk: {} };
  const problemOfName = nameProblem(name);
  const fileProblem = choice !== fileChoice ? undefined
    : uploadProblem !== undefined ? uploadProblem
    : templateFile.trim() === '' ? 'Enter the path of a lima.yaml file (or its http(s) address).'
    : fileFacts.isError && fileAsked === templateFile.trim() ? `This template cannot be used: ${errorMessage(fileFacts.error)}` : undefined;

  const create = useMutation({
    mutationFn: (request: CreateRequest) => api.create(request),
    onSuccess: async (result) => {
      await client.invalidateQueries({ queryKey: keys.instances });
      notify({ kind: result.warnings.length > 0 ? 'warning' : 'info', text: `Created ${result.instance.name}.${result.warnings.map((w) => ` Warning: ${w.message}`).join('')}` });
      onDone();
    },
  });
  const engineError = create.isError ? engineFieldError(create.error) : undefined;
  const errors: Partial<Record<Field, string>> = {
    ...(submitted || name !== '' ? { name: problemOfName ? `Invalid name: ${problemOfName}` : undefined } : {}),
    ...(submitted || fileAsked !== '' || uploadProblem ? { file: fileProblem } : {}),
    cpus: checks.cpus.error, memory: checks.memory.error, disk: checks.disk.error,
    ...(engineError ? { [engineError.field]: engineError.text } : {}),
  };

  // Create pressed before a typed file's facts came: it goes on once they have.
  const [waitingForFacts, setWaitingForFacts] = useState(false);
  useEffect(() => {
    if (!waitingForFacts || fileFacts.isFetching) return;
    setWaitingForFacts(false);
    if (fileFacts.data) form.current?.requestSubmit();
  }, [waitingForFacts, fileFacts.isFetching, fileFacts.data]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setSubmitted(true);
    if (choice === fileChoice && templateFile.trim() !== '' && (fileAsked !== templateFile.trim() || fileFacts.isFetching)) {
      setFileAsked(templateFile.trim());
      setWaitingForFacts(true);
      return;
    }
    const invalid = (['name', 'file', 'cpus', 'memory', 'disk'] as const).find((f) => (f === 'name' ? problemOfName : f === 'file' ? fileProblem : checks[f].error) !== undefined);
    if (invalid || !facts) {
      // Said on the field; the focus goes there so the user sees which.
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>(`[data-field="${invalid ?? 'file'}"]`)?.focus());
      return;
    }
    create.mutate({
      name,
      template: choice === fileChoice ? templateFile.trim() : choice,
      ...(cpus !== undefined ? { cpus: Number(cpus) } : {}),
      ...(memory !== undefined ? { memory: memory.trim() } : {}),
      ...(disk !== undefined ? { disk: disk.trim() } : {}),
      ...(chosenDriver ? { driver: chosenDriver } : {}),
      ...(connection ? { connection } : {}),
      ...(canDisplay ? { display: withDisplay ? 'vnc' as const : 'none' as const } : {}),
    });
  };

  const field = (key: Field, help: ReactNode, warning?: string): ReactNode => (
    <p id={`${id}-${key}-help`} className={errors[key] ? 'field-error' : warning ? 'field-warning' : 'help'} aria-live="polite">
      {errors[key] ?? warning ?? help}
    </p>
  );
  const fieldProps = (key: Field) => ({
    id: `${id}-${key}`, 'data-field': key, 'aria-invalid': errors[key] !== undefined, 'aria-describedby': `${id}-${key}-help`,
  });

  return (
    <form ref={form} onSubmit={submit} className="form create-form" noValidate>
      <label htmlFor={`${id}-name`}>Name</label>
      <input {...fieldProps('name')} value={name} onChange={(e) => setName(e.target.value)} autoFocus required autoComplete="off" spellCheck={false} />
      {field('name', 'Letters, digits, "-", "_" and "."; up to 63 characters.')}

      <TemplateGallery catalog={catalog.data} loading={catalog.isPending} value={choice} onChange={(v) => { setPicked(v); create.reset(); }} />
      {catalog.isError ? <p role="alert" className="field-error">Could not read the catalog: {errorMessage(catalog.error)}</p> : null}
      {choice === fileChoice ? (
        <>
          <label htmlFor={`${id}-file`}>Template file (lima.yaml path)</label>
          <div className="file-field">
            <input
              {...fieldProps('file')} value={templateFile} required spellCheck={false} placeholder="/path/to/lima.yaml"
              onChange={(e) => { setTemplateFile(e.target.value); setUploadProblem(undefined); }} onBlur={() => setFileAsked(templateFile.trim())}
            />
            {uploadTemplateFile ? (
              <TemplateUpload upload={uploadTemplateFile} onProblem={setUploadProblem} onUploaded={(path) => { setTemplateFile(path); setFileAsked(path); setUploaded(path); }} />
            ) : null}
            {pickTemplateFile ? (
              <button type="button" onClick={() => void pickTemplateFile?.().then((picked) => {
                if (!picked) return;
                setTemplateFile(picked);
                setFileAsked(picked);
              })}>Choose file…</button>
            ) : null}
          </div>
          {field('file', fileFacts.isFetching ? 'Reading the template…' : fileFacts.data ? `${factsLine(fileFacts.data)}. ${imageLine(fileFacts.data)}.` : 'A path on the computer the engine runs on.')}
        </>
      ) : null}

      <fieldset className="resources" disabled={!facts}>
        <legend>Resources{facts ? ' (the template’s values; change them here)' : ''}</legend>
        <label htmlFor={`${id}-cpus`}>CPUs</label>
        <div><input {...fieldProps('cpus')} type="number" min={1} step={1} inputMode="numeric" value={values.cpus} onChange={(e) => setCpus(e.target.value)} />
          {field('cpus', host.data ? `This computer has ${host.data.cpus}.` : '', checks.cpus.warning)}</div>
        <label htmlFor={`${id}-memory`}>Memory</label>
        <div><input {...fieldProps('memory')} value={values.memory} onChange={(e) => setMemory(e.target.value)} placeholder="e.g. 512MiB" />
          {field('memory', host.data ? `This computer has ${formatBytes(host.data.memoryBytes)}.` : '', checks.memory.warning)}</div>
        <label htmlFor={`${id}-disk`}>Disk</label>
        <div><input {...fieldProps('disk')} value={values.disk} onChange={(e) => setDisk(e.target.value)} placeholder="e.g. 20GiB" />
          {field('disk', 'The most it can grow to; it takes space only as the guest writes.')}</div>
      </fieldset>

      <label htmlFor={`${id}-driver`}>Driver</label>
      <select id={`${id}-driver`} value={chosenDriver} onChange={(e) => { setDriver(e.target.value); setConnection(''); }} aria-describedby={`${id}-driver-help`}>
        <option value="">As the template says ({facts?.vmType ?? 'vmType'})</option>
        {drivers.data?.map((d) => (
          <option key={d.name} value={d.name} disabled={!d.available.ok}>
            {d.name} {d.version ?? ''}{d.sandbox.state === 'unsandboxed' ? ' (UNSANDBOXED)' : ''}{d.available.ok ? '' : ` (unavailable: ${d.available.reason})`}
          </option>
        ))}
      </select>
      <p id={`${id}-driver-help`} className="help">
        {drivers.isPending ? 'Asking the drivers…' : driverInfo ? driverInfo.description || `${driverInfo.name} driver` : 'Unavailable drivers are listed with the reason.'}
      </p>
      <ConnectionPicker id={`${id}-connection`} driver={effectiveDriver} value={connection} onChange={setConnection} />

      <label className="checkbox">
        <input type="checkbox" checked={withDisplay} disabled={!canDisplay} onChange={(e) => setDisplay(e.target.checked)} aria-describedby={`${id}-display-help`} />
        Graphical display (VNC)
      </label>
      <p id={`${id}-display-help`} className="help">
        {!canDisplay ? `No display: the ${effectiveDriver ?? 'chosen'} driver has none; use the console and terminal.`
          : withDisplay ? 'On: see the guest’s screen in the app.' : 'Off: the guest has no screen; use the console and terminal.'}
      </p>

      {create.isError && !engineError ? <p role="alert" className="field-error">Could not create: {errorMessage(create.error)}</p> : null}
      {engineError ? <p role="alert" className="visually-hidden">Could not create: {engineError.text}</p> : null}
      <div className="dialog-buttons">
        <button type="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="primary" disabled={create.isPending}>{create.isPending ? 'Creating…' : 'Create'}</button>
      </div>
    </form>
  );
}
