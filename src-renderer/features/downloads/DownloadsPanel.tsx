// Every transfer the engine reported in this session, with a cancel button per instance while
// its files are still coming. Hidden until there is something to show.
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { useUi } from '../../state/ui.ts';
import { useDownloads } from './store.ts';
import { TransferBar } from './TransferBar.tsx';

export function DownloadsPanel() {
  const transfers = Object.values(useDownloads((s) => s.transfers));
  const clearFinished = useDownloads((s) => s.clearFinished);
  const notify = useUi((s) => s.notify);
  if (transfers.length === 0) return null;
  const active = new Set(transfers.filter((t) => t.phase !== 'done').map((t) => t.instance));
  const cancel = (name: string) => api.cancelDownloads({ name }).catch((error: unknown) => notify({ kind: 'error', text: errorMessage(error) }));
  return (
    <section className="downloads" aria-labelledby="downloads-title">
      <div className="section-head">
        <h2 id="downloads-title">Downloads</h2>
        <button type="button" onClick={clearFinished}>Clear finished</button>
      </div>
      <ul>
        {transfers.map((t) => <li key={`${t.instance}-${t.artifact}`}><TransferBar transfer={t} /></li>)}
      </ul>
      {[...active].map((name) => (
        <button key={name} type="button" className="danger" onClick={() => void cancel(name)}>Cancel downloads for {name}</button>
      ))}
    </section>
  );
}
