// The downloads of this session that still matter: running ones, failed ones (until retried
// or dismissed) and, for a few seconds, finished ones. Hidden when there are none.
import { useDownloads } from './store.ts';
import { DownloadLine } from './DownloadLine.tsx';

export function DownloadsPanel({ title = 'Downloads', emptyText }: { title?: string; emptyText?: string }) {
  const transfers = Object.values(useDownloads((s) => s.transfers));
  if (transfers.length === 0 && emptyText === undefined) return null;
  return (
    <section className="downloads" aria-labelledby="downloads-title">
      <h2 id="downloads-title">{title}</h2>
      {transfers.length === 0 ? <p className="muted">{emptyText}</p> : (
        <ul>
          {transfers.map((t) => <li key={`${t.instance}-${t.artifact}`}><DownloadLine transfer={t} /></li>)}
        </ul>
      )}
    </section>
  );
}
