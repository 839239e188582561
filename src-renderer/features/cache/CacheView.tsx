// The download cache on the Downloads page: each file with its size, when it came and which
// instances use it, the total, and a prune of what no instance uses (after a confirmation
// naming each file: a pruned file is downloaded again when an instance needs it). Templates
// uploaded in the web shell's create dialog are listed and pruned with it.
import { useEffect, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { CacheEntry } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { formatBytes } from '../../ui/format.ts';
import { fileName, useDownloads } from '../downloads/store.ts';
import { useConnection } from '../connection/store.ts';
import '../downloads/downloads.css';

export const cacheKey = ['download-cache'] as const;

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export function CacheView() {
  const client = useQueryClient();
  const notify = useUi((s) => s.notify);
  const online = useConnection((s) => s.state === 'online');
  const cache = useQuery({ queryKey: cacheKey, queryFn: () => api.listCache() });
  const [confirming, setConfirming] = useState(false);
  // A download that finished added a file: list again.
  const finished = useDownloads((s) => Object.values(s.transfers).filter((t) => t.phase === 'done').length);
  useEffect(() => {
    if (finished > 0) void client.invalidateQueries({ queryKey: cacheKey });
  }, [finished, client]);
  const prune = useMutation({
    mutationFn: () => api.pruneCache(),
    onSuccess: (result) => {
      const kept = result.inUse > 0 ? `; kept ${result.inUse} in use` : '';
      const busy = result.skipped > 0 ? `, ${result.skipped} being downloaded` : '';
      const recent = result.recent > 0 ? `, ${result.recent} uploaded in the last hour or open in a create dialog` : '';
      notify({ kind: 'info', text: `Removed ${result.removed.length} unused file${result.removed.length === 1 ? '' : 's'}, freeing ${formatBytes(result.freedBytes)}${kept}${busy}${recent}.` });
    },
    onError: (error) => notify({ kind: 'error', text: `Prune the cache: ${errorMessage(error)}` }),
    onSettled: () => void client.invalidateQueries({ queryKey: cacheKey }),
  });
  const entries = cache.data ?? [];
  // A new upload, or one an open create dialog holds, is kept by prune: not "unused" yet.
  const unused = entries.filter((e) => e.usedBy.length === 0 && e.keptUntil === undefined);
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  const unusedBytes = unused.reduce((sum, e) => sum + e.size, 0);
  return (
    <section className="cache" aria-labelledby="cache-title">
      <div className="section-head">
        <h2 id="cache-title">Cache</h2>
        {entries.length > 0 ? (
          <button type="button" onClick={() => setConfirming(true)} disabled={!online || unused.length === 0 || prune.isPending}>
            {prune.isPending ? 'Removing…' : 'Remove unused files'}
          </button>
        ) : null}
      </div>
      {cache.isPending ? <p className="muted">Reading the cache…</p> : null}
      {cache.isError ? <p className="row-error">Could not read the cache: {errorMessage(cache.error)}</p> : null}
      {cache.isSuccess && entries.length === 0 ? <p className="muted">Nothing downloaded yet. Images and archives that instances download are kept here and shared.</p> : null}
      {entries.length > 0 ? (
        <>
          <p className="cache-total" data-testid="cache-total">
            {entries.length} file{entries.length === 1 ? '' : 's'}, {formatBytes(total)} in all{unused.length > 0 ? `; ${formatBytes(unusedBytes)} used by no instance` : ''}
          </p>
          <ul className="cache-list">{entries.map((entry) => <CacheItem key={entry.url} entry={entry} />)}</ul>
        </>
      ) : null}
      <Dialog open={confirming} title="Remove unused files?" onClose={() => setConfirming(false)}>
        <p>
          {unused.length} file{unused.length === 1 ? '' : 's'} ({formatBytes(unusedBytes)}) that no instance uses will be removed.
          An instance that needs one later downloads it again; an uploaded template must be uploaded again.
        </p>
        <ul className="cache-prune-list" aria-label="Files to remove">
          {unused.map((entry) => <li key={entry.url}>{fileName(entry.url)}{entry.kind === 'template-upload' ? ' (uploaded template)' : ''}, {formatBytes(entry.size)}</li>)}
        </ul>
        <div className="dialog-buttons">
          <button type="button" onClick={() => setConfirming(false)}>Keep them</button>
          <button type="button" className="danger" onClick={() => { setConfirming(false); prune.mutate(); }}>Remove</button>
        </div>
      </Dialog>
    </section>
  );
}

function CacheItem({ entry }: { entry: CacheEntry }) {
  const name = fileName(entry.url);
  const use = entry.usedBy.length > 0 ? `used by ${entry.usedBy.join(', ')}` : 'used by no instance';
  return (
    <li className="cache-item" data-testid={`cache-${name}`}>
      <div className="download-head">
        <span className="download-file">{name}</span>
        <span className="cache-size">{formatBytes(entry.size)}</span>
      </div>
      <div className="cache-url">{entry.kind === 'template-upload' ? `Uploaded template, kept at ${decodeURIComponent(new URL(entry.url).pathname)}` : entry.url}</div>
      <div className="download-detail">
        {entry.kind === 'template-upload' ? 'Uploaded' : 'Downloaded'} {when.format(new Date(entry.downloadedAt))} · {use}
        {entry.keptUntil ? ` · kept until ${clock.format(new Date(entry.keptUntil))}, as ${entry.keptBecause === 'held' ? 'a create dialog is using it' : 'it was just uploaded'}` : ''}
      </div>
    </li>
  );
}
