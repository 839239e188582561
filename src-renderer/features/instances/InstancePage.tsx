// One instance: its status and actions, and tabs for what it offers (the serial console now;
// the display and snapshots later).
import { useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { formatBytes } from '../../ui/format.ts';
import { ConsoleView } from '../console/ConsoleView.tsx';
import { InstanceActions } from './InstanceActions.tsx';
import { StatusBadge } from './StatusBadge.tsx';

export function InstancePage({ name }: { name: string }) {
  const instances = useInstances();
  const show = useUi((s) => s.show);
  const instance = instances.data?.find((i) => i.name === name);
  const back = (
    <button type="button" className="link" onClick={() => show({ kind: 'list' })}>← All instances</button>
  );
  if (instances.isPending) return <section>{back}<p role="status">Loading…</p></section>;
  if (!instance) return <section>{back}<h1>{name}</h1><p>This instance no longer exists.</p></section>;
  const live = instance.state === 'Running' || instance.state === 'Paused';
  return (
    <section aria-labelledby="instance-title">
      {back}
      <div className="section-head">
        <h1 id="instance-title">{instance.name}</h1>
        <StatusBadge instance={instance} />
      </div>
      <p className="facts">
        {instance.driver} · {instance.arch} · {instance.cpus} CPU{instance.cpus === 1 ? '' : 's'} · {formatBytes(instance.memoryBytes)} memory · {formatBytes(instance.diskBytes)} disk
        {instance.accelerator ? ` · ${instance.accelerator}` : ''}
      </p>
      <InstanceActions instance={instance} />
      <div role="tablist" aria-label="Instance views" className="tabs">
        <button type="button" role="tab" id="tab-console" aria-selected="true" aria-controls="panel-console">Serial console</button>
      </div>
      <div role="tabpanel" id="panel-console" aria-labelledby="tab-console">
        <ConsoleView name={instance.name} running={live} />
      </div>
    </section>
  );
}
