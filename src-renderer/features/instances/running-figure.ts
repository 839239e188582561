// The CPUs, memory and disk of an instance as the list shows them first: what a running VM runs
// with when its lima.yaml was edited since it started (startedWith), else the file's figure. The
// cells (RunningFigureCell) and the sort by those columns (list-view) read the same figure.
import type { Instance } from '../../../src-main/api/contract.ts';

export type Figure = 'cpus' | 'memory' | 'disk';

type StartedWith = NonNullable<Instance['startedWith']>;

/** Where a figure is read: what the VM started with (undefined when the engine does not say: an older one, for the disk), and lima.yaml's. */
interface FigureSource {
  started: (started: StartedWith) => number | undefined;
  file: (instance: Instance) => number;
}

const sources: Record<Figure, FigureSource> = {
  cpus: { started: (s) => s.cpus, file: (i) => i.cpus },
  memory: { started: (s) => s.memoryBytes, file: (i) => i.memoryBytes },
  disk: { started: (s) => s.diskBytes, file: (i) => i.diskBytes },
};

/** The figure from lima.yaml, which applies at the next start. */
export function fileFigure(instance: Instance, figure: Figure): number {
  return sources[figure].file(instance);
}

/** What a running (or paused) VM has when lima.yaml was edited since it started; undefined otherwise. */
export function runningFigure(instance: Instance, figure: Figure): number | undefined {
  const running = instance.state === 'Running' || instance.state === 'Paused';
  return running && instance.startedWith ? sources[figure].started(instance.startedWith) : undefined;
}

/** The figure the list's cell shows first. */
export function shownFigure(instance: Instance, figure: Figure): number {
  return runningFigure(instance, figure) ?? fileFigure(instance, figure);
}

/** Whether any of its figures changes at its next start: a running VM whose lima.yaml was edited since. */
export function changesAtNextStart(instance: Instance): boolean {
  return (['cpus', 'memory', 'disk'] as const).some((figure) => {
    const has = runningFigure(instance, figure);
    return has !== undefined && has !== fileFigure(instance, figure);
  });
}
