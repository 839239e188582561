// A menu button (WAI-ARIA's menu button pattern): a button with aria-haspopup opens a list of
// menu items; arrow keys, Home and End move between them, Enter or Space picks one, Escape
// and Tab close it (Escape returns the focus to the button). An item that cannot run now
// stays in the list, marked disabled, with the reason under its label, so the user learns why
// instead of wondering where it went.
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';

export interface MenuItem {
  key: string;
  label: string;
  /** Why it cannot run now; undefined when it can. */
  disabledReason?: string | undefined;
  danger?: boolean | undefined;
  onSelect(): void;
}

export function ActionMenu({ label, items }: { label: string; items: MenuItem[] }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLUListElement>(null);

  const openAt = (index: number): void => {
    setActive((index + items.length) % items.length);
    setOpen(true);
  };
  const close = (focusButton: boolean): void => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };

  // The focus follows the active item while the menu is open. A layout effect, run as the item
  // is drawn: a passive one from a hover could still be pending when the click on that item
  // lands, and would then move the focus back into the closing menu after the click had put it
  // on the button, leaving it on the page's body once the menu is gone (and the dialog the item
  // opened with nothing to give it back to).
  useLayoutEffect(() => {
    if (open) menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]')[active]?.focus();
  }, [open, active]);

  // It opens under its button, ending at the button's right edge (a row's ⋯ sits at the right);
  // a button near the left (an instance page whose actions are all in the menu) has no room on
  // that side, so the menu starts at the button's left edge instead when it fits the window so.
  const [fromStart, setFromStart] = useState(false);
  useLayoutEffect(() => {
    const anchor = button.current?.getBoundingClientRect();
    const width = menu.current?.offsetWidth ?? 0;
    setFromStart(open && anchor !== undefined && anchor.left + width <= document.documentElement.clientWidth);
  }, [open]);

  // A press outside closes it, as any menu does.
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (event: PointerEvent): void => {
      const target = event.target as Node;
      if (!menu.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  const pick = (item: MenuItem): void => {
    if (item.disabledReason !== undefined) return;
    close(true);
    item.onSelect();
  };

  const onButtonKey = (event: KeyboardEvent): void => {
    if (event.key === 'ArrowDown') openAt(0);
    else if (event.key === 'ArrowUp') openAt(items.length - 1);
    else return;
    event.preventDefault();
  };

  const onMenuKey = (event: KeyboardEvent): void => {
    const moves: Record<string, () => void> = {
      ArrowDown: () => setActive((a) => (a + 1) % items.length),
      ArrowUp: () => setActive((a) => (a - 1 + items.length) % items.length),
      Home: () => setActive(0),
      End: () => setActive(items.length - 1),
      Escape: () => close(true),
      Enter: () => { const item = items[active]; if (item) pick(item); },
      ' ': () => { const item = items[active]; if (item) pick(item); },
    };
    if (event.key === 'Tab') {
      setOpen(false); // the focus moves on with the Tab
      return;
    }
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    event.stopPropagation(); // Escape closes the menu, not a dialog around it
    move();
  };

  return (
    <div className="menu-anchor">
      <button
        ref={button}
        type="button"
        className="menu-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        aria-label={label}
        title={label}
        onClick={() => (open ? close(false) : openAt(0))}
        onKeyDown={onButtonKey}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open ? (
        <ul ref={menu} id={id} role="menu" aria-label={label} className={fromStart ? 'menu from-start' : 'menu'} onKeyDown={onMenuKey}>
          {items.map((item, index) => (
            <li
              key={item.key}
              role="menuitem"
              tabIndex={index === active ? 0 : -1}
              aria-disabled={item.disabledReason !== undefined}
              aria-describedby={item.disabledReason !== undefined ? `${id}-${item.key}` : undefined}
              className={item.danger ? 'danger' : undefined}
              onClick={() => pick(item)}
              onPointerMove={() => setActive(index)}
            >
              <span>{item.label}</span>
              {/* Hidden from the name (it is the label alone), read out as the item's description. */}
              {item.disabledReason !== undefined ? <span id={`${id}-${item.key}`} className="menu-reason" aria-hidden="true">{item.disabledReason}</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
