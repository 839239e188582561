// Which tabs an instance's page has: the serial console, the screen and snapshots only where its
// driver (and, for the screen, its config) has them, so no tab leads to a panel that can only say
// "not here" (a Console tab without a console offered a Reattach that could not help). An instance
// the engine can only delete (actions.ts: onlyDeletable) has none of them, nor the Terminal.
import type { InstanceTab } from '../../state/ui.ts';
import type { TabItem } from '../../ui/TabList.tsx';

export interface TabsOffered {
  console: boolean;
  terminal: boolean;
  display: boolean;
  snapshots: boolean;
}

export function tabsFor(has: TabsOffered): TabItem<InstanceTab>[] {
  const tabs: (TabItem<InstanceTab> | false)[] = [
    { key: 'overview', label: 'Overview' },
    has.console && { key: 'console', label: 'Console' },
    has.terminal && { key: 'terminal', label: 'Terminal' },
    has.display && { key: 'display', label: 'Display' },
    has.snapshots && { key: 'snapshots', label: 'Snapshots' },
    { key: 'logs', label: 'Logs' },
  ];
  return tabs.filter((t): t is TabItem<InstanceTab> => t !== false);
}
