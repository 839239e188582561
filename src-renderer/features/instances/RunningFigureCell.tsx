// A list cell for a figure a running VM may have other than its lima.yaml says (CPUs, memory, disk):
// after a hand edit the list would otherwise show the file's figure as if the VM had it. The
// cell shows what the VM runs with and, muted after an arrow, the file's figure for its next
// start; the full sentence is its accessible name and its tooltip (NextStartNote says it on the page).
import type { Instance } from '../../../src-main/api/contract.ts';
import { formatBytes } from '../../ui/format.ts';

type Figure = 'cpus' | 'memory' | 'disk';

// now: undefined when the engine does not say (an older one, for the disk).
const shown: Record<Figure, { now: (started: NonNullable<Instance['startedWith']>) => number | undefined; file: (instance: Instance) => number; words: (value: number) => string }> = {
  cpus: { now: (s) => s.cpus, file: (i) => i.cpus, words: (n) => `${n} CPU${n === 1 ? '' : 's'}` },
  memory: { now: (s) => s.memoryBytes, file: (i) => i.memoryBytes, words: (n) => `${formatBytes(n)} memory` },
  disk: { now: (s) => s.diskBytes, file: (i) => i.diskBytes, words: (n) => `a ${formatBytes(n)} disk` },
};

const text = (figure: Figure, value: number) => (figure === 'cpus' ? String(value) : formatBytes(value));

export function RunningFigureCell({ instance, figure }: { instance: Instance; figure: Figure }) {
  const { now, file, words } = shown[figure];
  const inFile = file(instance);
  const running = instance.state === 'Running' || instance.state === 'Paused';
  const has = running && instance.startedWith ? now(instance.startedWith) : undefined;
  if (has === undefined || has === inFile) return <td className="col-detail">{text(figure, inFile)}</td>;
  const sentence = `Runs with ${words(has)}; lima.yaml gives it ${words(inFile)} from its next start.`;
  return (
    <td className="col-detail next-start" aria-label={sentence} title={sentence} data-testid={`next-start-${figure}-${instance.name}`}>
      {text(figure, has)}
      <span className="next-start-figure" aria-hidden="true"> → {text(figure, inFile)}</span>
    </td>
  );
}
