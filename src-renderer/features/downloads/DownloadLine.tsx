// One download as a line that names the file and the instance it is for, with its phase in
// words: a bar while it runs (and Cancel, of this file alone), what happened in plain words with Retry and Dismiss
// once it failed, nothing more to do once it is done or cancelled (the line then clears itself).
import { useState } from 'react';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { useUi } from '../../state/ui.ts';
import { formatBytes } from '../../ui/format.ts';
import { fileName, isActive, percentOf, transferKey, useDownloads } from './store.ts';
import type { Phase, Transfer } from './store.ts';
import { downloadFailedTitle, isReportedDownloadFailure } from './failure.ts';
import { useStalled } from './stalled.ts';
import './downloads.css';

export const phaseWords: Record<Phase, string> = {
  queued: 'Queued', download: 'Downloading', verify: 'Verifying', decompress: 'Unpacking', upload: 'Uploading', done: 'Done', failed: 'Failed', cancelled: 'Cancelled',
};

/** While stalled, the last rate and time left would be stale: the line says it waits for data instead. */
function detailOf(t: Transfer, stalled: boolean): string {
  const percent = percentOf(t);
  if (t.phase === 'queued' || t.phase === 'failed' || t.phase === 'cancelled') return t.bytes > 0 ? `${formatBytes(t.bytes)} ${t.uploadTo ? 'sent' : 'arrived'}` : '';
  if (t.phase === 'done') return formatBytes(t.bytes);
  return [
    t.total ? `${formatBytes(t.bytes)} of ${formatBytes(t.total)}` : formatBytes(t.bytes),
    percent !== undefined ? `${percent} %` : '',
    stalled ? 'waiting for data' : '',
    t.rate > 0 && !stalled ? `${formatBytes(t.rate)}/s` : '',
    t.etaSeconds !== null && !stalled && (t.phase === 'download' || t.phase === 'upload') ? `${Math.ceil(t.etaSeconds)} s left` : '',
  ].filter(Boolean).join(' · ');
}

export function DownloadLine({ transfer }: { transfer: Transfer }) {
  const notify = useUi((s) => s.notify);
  const dismiss = useDownloads((s) => s.dismiss);
  const [retrying, setRetrying] = useState(false);
  const file = fileName(transfer.url);
  const what = `${file} for ${transfer.instance}`;
  const active = isActive(transfer.phase);
  const stalled = useStalled(transfer);
  const retry = () => {
    setRetrying(true);
    // The failure's notice is answered by the retry: it goes, and comes back if the retry fails too.
    if (useUi.getState().notice?.text === downloadFailedTitle(file, transfer.instance)) notify(undefined);
    api.retryDownloads({ name: transfer.instance })
      // A download that fails again says so on its line; anything else goes to the notice bar.
      .catch((error: unknown) => { if (!isReportedDownloadFailure(error)) notify({ kind: 'error', text: `Retry ${what}: ${errorMessage(error)}`, instance: transfer.instance }); })
      .finally(() => setRetrying(false));
  };
  // This file alone: the instance's other downloads run on.
  const cancel = () => {
    api.cancelDownload({ id: transfer.id }).catch((error: unknown) => notify({ kind: 'error', text: `Cancel ${what}: ${errorMessage(error)}`, instance: transfer.instance }));
  };
  return (
    <div className={`download-line phase-${transfer.phase}`} data-testid={`download-${transfer.instance}-${transfer.artifact}`} data-phase={transfer.phase}>
      <div className="download-head">
        <span className="download-name"><span className="download-file" title={transfer.url}>{file}</span> <span className="download-for">for {transfer.instance} · {transfer.artifact}{transfer.uploadTo ? ` · to ${transfer.uploadTo}` : ''}</span></span>
        <span className="download-phase">{stalled ? 'Stalled' : phaseWords[transfer.phase]}</span>
      </div>
      {active || transfer.phase === 'done'
        ? <progress max={100} value={percentOf(transfer)} aria-label={`${what}: ${phaseWords[transfer.phase].toLowerCase()}`} />
        : null}
      {transfer.phase === 'failed' && transfer.failure ? <p className="download-error">{transfer.failure.text}</p> : null}
      <div className="download-foot">
        <span className="download-detail">{detailOf(transfer, stalled)}</span>
        {/* A driver's upload is part of its create or start: the engine can neither cancel nor retry it alone. */}
        {active && !transfer.uploadTo ? <button type="button" onClick={cancel} aria-label={`Cancel ${what}`}>Cancel</button> : null}
        {transfer.phase === 'failed' ? (
          <>
            {transfer.uploadTo ? null : <button type="button" className="primary" onClick={retry} disabled={retrying} aria-label={`Retry ${what}`}>{retrying ? 'Retrying…' : 'Retry'}</button>}
            <button type="button" onClick={() => dismiss(transferKey(transfer))} aria-label={`Dismiss ${what}`}>Dismiss</button>
          </>
        ) : null}
      </div>
    </div>
  );
}
