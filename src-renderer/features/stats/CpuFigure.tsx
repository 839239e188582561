// The CPU figure of one running instance, for a row of the list: it subscribes to its own
// instance's samples, so a new sample re-renders this span alone, not the row or the list.
import { memo } from 'react';
import type { Instance } from '../../../src-main/api/contract.ts';
import { formatPercent } from './format.ts';
import { useInstanceStats } from './store.ts';

export const CpuFigure = memo(function CpuFigure({ name, state }: Pick<Instance, 'name' | 'state'>) {
  const running = state === 'Running';
  const { samples } = useInstanceStats(name, running);
  const cpu = samples.at(-1)?.cpuPercent;
  if (!running || cpu === undefined || cpu === null) return null;
  return (
    <span className="cpu-figure" data-testid={`cpu-${name}`} title="CPU the VM used over the last second, in % of one host core">
      {formatPercent(cpu)} CPU
    </span>
  );
});
