// The app's navigation: Instances, Downloads, Drivers, Connections, Settings, each a link to its page's
// address (state/ui.ts). A sidebar on wide windows, a bar of icon tabs on narrow ones (styles.css).
import { Boxes, Download, Network, Puzzle, Server, Settings } from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import type { MouseEvent } from 'react';
import { hashOf, useUi } from '../state/ui.ts';
import type { View } from '../state/ui.ts';

type PageKind = Exclude<View['kind'], 'instance'>;

const pages: { kind: PageKind; label: string; icon: LucideIcon }[] = [
  { kind: 'list', label: 'Instances', icon: Server },
  { kind: 'downloads', label: 'Downloads', icon: Download },
  { kind: 'drivers', label: 'Drivers', icon: Puzzle },
  { kind: 'connections', label: 'Connections', icon: Network },
  { kind: 'settings', label: 'Settings', icon: Settings },
];

/** An instance's page belongs to Instances. */
const sectionOf = (view: View): PageKind => (view.kind === 'instance' ? 'list' : view.kind);

export function Sidebar() {
  const view = useUi((s) => s.view);
  const show = useUi((s) => s.show);
  const current = sectionOf(view);
  const go = (event: MouseEvent<HTMLAnchorElement>, kind: PageKind): void => {
    event.preventDefault();
    show({ kind });
  };
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="sidebar-inner">
        <div className="brand"><Boxes aria-hidden size={22} /><span>Corral</span></div>
        <ul className="nav">
          {pages.map(({ kind, label, icon: Icon }) => (
            <li key={kind}>
              <a href={hashOf({ kind })} aria-current={current === kind ? 'page' : undefined} onClick={(e) => go(e, kind)}>
                <Icon aria-hidden size={18} />
                {label}
              </a>
            </li>
          ))}
        </ul>
      </div>
    </nav>
  );
}
