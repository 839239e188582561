// The progress bars of one instance's running transfers (image, kernel, initrd, archive).
import { useDownloads } from './store.ts';
import { TransferBar } from './TransferBar.tsx';

export function InstanceDownloads({ name }: { name: string }) {
  const transfers = useDownloads((s) => s.transfers);
  const mine = Object.values(transfers).filter((t) => t.instance === name && t.phase !== 'done');
  if (mine.length === 0) return null;
  return <div className="instance-downloads">{mine.map((t) => <TransferBar key={t.artifact} transfer={t} />)}</div>;
}
