// One transfer as a labelled progress bar: artifact, phase, percent, rate and time left.
import { formatBytes } from '../../ui/format.ts';
import { percentOf } from './store.ts';
import type { Transfer } from './store.ts';

const phaseText: Record<Transfer['phase'], string> = { download: 'downloading', verify: 'verifying', decompress: 'decompressing', done: 'done' };

export function TransferBar({ transfer }: { transfer: Transfer }) {
  const percent = percentOf(transfer);
  const label = `${transfer.instance} ${transfer.artifact} ${phaseText[transfer.phase]}`;
  const detail = [
    percent !== undefined ? `${percent} %` : formatBytes(transfer.bytes),
    transfer.rate > 0 && transfer.phase !== 'done' ? `${formatBytes(transfer.rate)}/s` : '',
    transfer.etaSeconds !== null && transfer.phase === 'download' ? `${Math.ceil(transfer.etaSeconds)} s left` : '',
  ].filter(Boolean).join(' · ');
  return (
    <div className="transfer" data-testid={`transfer-${transfer.instance}-${transfer.artifact}`}>
      <span className="transfer-label">{transfer.artifact} · {phaseText[transfer.phase]}</span>
      <progress max={100} value={percent} aria-label={label} />
      <span className="transfer-detail">{detail}</span>
    </div>
  );
}
