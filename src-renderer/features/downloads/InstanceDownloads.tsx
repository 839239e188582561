// One instance's downloads where its status is shown: running ones and failed ones (with
// their Retry), not finished ones.
import { useDownloads } from './store.ts';
import { DownloadLine } from './DownloadLine.tsx';

export function InstanceDownloads({ name }: { name: string }) {
  const transfers = useDownloads((s) => s.transfers);
  const mine = Object.values(transfers).filter((t) => t.instance === name && t.phase !== 'done' && t.phase !== 'cancelled');
  if (mine.length === 0) return null;
  return <div className="instance-downloads">{mine.map((t) => <DownloadLine key={t.artifact} transfer={t} />)}</div>;
}
