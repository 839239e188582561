// "Upload file…" beside the template path in the web shell: a browser tab cannot name a file on
// the engine's computer, so the chosen lima.yaml is sent to the engine, which keeps it and
// answers with the path the dialog then uses. Too big a file is refused here, before sending.
import { useRef, useState } from 'react';
import { errorMessage } from '../../api/errors.ts';

/** The engine's limit too (src-main/core/templates/uploaded.ts). */
const limitBytes = 256 * 1024;

interface Props {
  upload: (file: File) => Promise<string>;
  onUploaded: (path: string) => void;
  onProblem: (problem: string | undefined) => void;
}

export function TemplateUpload({ upload, onUploaded, onProblem }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const send = (file: File | undefined): void => {
    if (!file) return;
    if (file.size > limitBytes) return onProblem(`${file.name} is over ${limitBytes / 1024} KiB; a lima.yaml is a few KiB, so check that this is the right file.`);
    onProblem(undefined);
    setBusy(true);
    upload(file).then(onUploaded, (error: unknown) => onProblem(`This template cannot be used: ${errorMessage(error)}`)).finally(() => {
      setBusy(false);
      if (input.current) input.current.value = ''; // the same file again uploads again
    });
  };
  return (
    <>
      <input ref={input} type="file" accept=".yaml,.yml" hidden aria-hidden tabIndex={-1} data-testid="template-upload" onChange={(e) => send(e.target.files?.[0])} />
      <button type="button" disabled={busy} onClick={() => input.current?.click()}>{busy ? 'Uploading…' : 'Upload file…'}</button>
    </>
  );
}
