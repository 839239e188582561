// The CPU figure of one running instance, for a row of the list. React renders its box once;
// the figure inside follows the samples by itself (live-figure.ts), so a new sample re-renders
// nothing, neither this component nor the row nor the list.
import { memo, useEffect, useRef } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { formatPercent } from './format.ts';
import { bindFigure } from './live-figure.ts';
import { acquire } from './store.ts';

export const CpuFigure = memo(function CpuFigure({ name, state }: Pick<Instance, 'name' | 'state'>) {
  const running = state === 'Running';
  const box = useRef<HTMLSpanElement>(null);
  useEffect(() => (running ? acquire(name) : undefined), [name, running]);
  useEffect(() => {
    const element = box.current;
    if (!running || !element) return undefined;
    return bindFigure(element, name, (sample) => (sample.cpuPercent === null ? undefined : `${formatPercent(sample.cpuPercent)} CPU`));
  }, [name, running]);
  if (!running) return null;
  return <span ref={box} className="cpu-figure" data-testid={`cpu-${name}`} title="CPU the VM used over the last second, in % of one host core" />;
});
