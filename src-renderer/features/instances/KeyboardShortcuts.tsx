// The keyboard shortcuts (shortcuts.ts) at work, and their help sheet, opened by "?" or by the
// list's "Keyboard shortcuts" button. Mounted once for the whole page.
import { useEffect } from 'react';
import { useDrivers, useInstances } from '../../state/queries.ts';
import { useUi } from '../../state/ui.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { useOnline } from '../connection/store.ts';
import { actionAvailability, capabilitiesOf, primaryAction } from './actions.ts';
import { useListView } from './list-view.ts';
import { isShortcutKey, shortcuts, useShortcutHelp } from './shortcuts.ts';
import { usePerformAction } from './useInstanceAction.ts';

/** Where keys belong to a widget of their own: menus, terminals, the VNC screen, dialogs. */
const widgets = '[role="menu"], .xterm, .vnc-screen, dialog';

export function KeyboardShortcuts() {
  const help = useShortcutHelp();
  const view = useUi((s) => s.view);
  const show = useUi((s) => s.show);
  const setCreateOpen = useUi((s) => s.setCreateOpen);
  const focusSearch = useListView((s) => s.focusSearch);
  const instances = useInstances().data;
  const drivers = useDrivers().data;
  const perform = usePerformAction();
  const online = useOnline();

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target instanceof HTMLElement ? event.target : document.body;
      const facts = {
        key: event.key, ctrlKey: event.ctrlKey, altKey: event.altKey, metaKey: event.metaKey,
        target: { tagName: target.tagName, isContentEditable: target.isContentEditable, insideWidget: target.closest(widgets) !== null },
      };
      if (!isShortcutKey(facts) || document.querySelector('dialog[open]')) return;
      const page = view.kind === 'instance' ? instances?.find((i) => i.name === view.name) : undefined;
      // N and S are off while the engine cannot be reached, like the buttons (ConnectionGate): a
      // start sent then would only leave a stuck "Starting" beside the error.
      switch (event.key) {
        case 'n':
          if (!online) return;
          setCreateOpen(true);
          break;
        case '/':
          if (view.kind !== 'list') show({ kind: 'list' });
          focusSearch();
          break;
        case '?': help.setOpen(true); break;
        case 's': {
          const action = page ? primaryAction(page.state) : undefined;
          if (!online || !page || !action || action === 'force-stop') return; // force stop is never one key away
          if (!actionAvailability(action, page, capabilitiesOf(drivers, page.driver)).enabled) return;
          perform(action, page);
          break;
        }
        case 'Backspace':
          if (view.kind !== 'instance') return;
          show({ kind: 'list' });
          break;
        default: return;
      }
      event.preventDefault(); // "/" would otherwise start the browser's quick find
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [view, instances, drivers, perform, show, setCreateOpen, focusSearch, help, online]);

  return (
    <Dialog open={help.open} title="Keyboard shortcuts" onClose={() => help.setOpen(false)}>
      <table className="shortcuts">
        <caption className="visually-hidden">Keys and what they do</caption>
        <tbody>
          {shortcuts.map((s) => (
            <tr key={s.key}><th scope="row"><kbd>{s.shown}</kbd></th><td>{s.does}</td></tr>
          ))}
        </tbody>
      </table>
      <p className="help">They work when no text field or terminal has the focus.</p>
      <div className="dialog-buttons">
        <button type="button" onClick={() => help.setOpen(false)} autoFocus>Close</button>
      </div>
    </Dialog>
  );
}
