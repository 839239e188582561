// Which tabs an instance's page has: the screen and snapshots only where its driver (and, for the
// screen, its config) has them, so no tab leads to a panel that can only say "not here".
import type { InstanceTab } from '../../state/ui.ts';
import type { TabItem } from '../../ui/TabList.tsx';

export function tabsFor(hasDisplay: boolean, hasSnapshots: boolean): TabItem<InstanceTab>[] {
  const tabs: (TabItem<InstanceTab> | false)[] = [
    { key: 'overview', label: 'Overview' },
    { key: 'console', label: 'Console' },
    { key: 'terminal', label: 'Terminal' },
    hasDisplay && { key: 'display', label: 'Display' },
    hasSnapshots && { key: 'snapshots', label: 'Snapshots' },
    { key: 'logs', label: 'Logs' },
  ];
  return tabs.filter((t): t is TabItem<InstanceTab> => t !== false);
}
