// A list cell for a figure a running VM may have other than its lima.yaml says (CPUs, memory, disk):
// after a hand edit the list would otherwise show the file's figure as if the VM had it. The
// cell shows what the VM runs with and, muted after an arrow, the file's figure for its next
// start; the full sentence is its accessible name and its tooltip (NextStartNote says it on the page).
import type { Instance } from '../../../src-main/api/contract.ts';
import { formatBytes } from '../../ui/format.ts';
import { changesAtNextStart, fileFigure, runningFigure } from './running-figure.ts';
import type { Figure } from './running-figure.ts';

/** A figure in the list's words: alone in the cell, and in the sentence that explains it. */
interface FigureText {
  short: (value: number) => string;
  words: (value: number) => string;
}

const texts: Record<Figure, FigureText> = {
  cpus: { short: String, words: (n) => `${n} CPU${n === 1 ? '' : 's'}` },
  memory: { short: formatBytes, words: (n) => `${formatBytes(n)} memory` },
  disk: { short: formatBytes, words: (n) => `a ${formatBytes(n)} disk` },
};

export function RunningFigureCell({ instance, figure }: { instance: Instance; figure: Figure }) {
  const { short, words } = texts[figure];
  const inFile = fileFigure(instance, figure);
  const has = runningFigure(instance, figure);
  if (has === undefined || has === inFile) return <td className="col-detail">{short(inFile)}</td>;
  const sentence = `Runs with ${words(has)}; lima.yaml gives it ${words(inFile)} from its next start.`;
  return (
    <td className="col-detail next-start" aria-label={sentence} title={sentence} data-testid={`next-start-${figure}-${instance.name}`}>
      {short(has)}
      <span className="next-start-figure" aria-hidden="true"> → {short(inFile)}</span>
    </td>
  );
}

/**
 * Under the name, only where the list hides these columns (a phone's width): a quiet hint that
 * the next start changes the VM; its page says how.
 */
export function NextStartHint({ instance }: { instance: Instance }) {
  if (!changesAtNextStart(instance)) return null;
  return <span className="cell-note phone-only" data-testid={`next-start-hint-${instance.name}`}>changes at next start</span>;
}
