// A tab list in the WAI-ARIA tabs pattern: one tab in the Tab order (the selected one), arrow
// keys move between tabs and select them (automatic activation), Home and End go to the ends.
// The panels are the caller's: each has id `${idPrefix}-panel-${key}` and is labelled by its tab.
import { useRef, type KeyboardEvent } from 'react';

export interface TabItem<K extends string> {
  key: K;
  label: string;
}

interface Props<K extends string> {
  label: string;
  idPrefix: string;
  tabs: readonly TabItem<K>[];
  selected: K;
  onSelect(key: K): void;
  className?: string;
}

export const tabId = (idPrefix: string, key: string): string => `${idPrefix}-tab-${key}`;
export const panelId = (idPrefix: string, key: string): string => `${idPrefix}-panel-${key}`;

/** The index an arrow, Home or End key moves to, or undefined for any other key. */
function movedIndex(key: string, index: number, count: number): number | undefined {
  if (key === 'ArrowRight') return (index + 1) % count;
  if (key === 'ArrowLeft') return (index - 1 + count) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return undefined;
}

export function TabList<K extends string>({ label, idPrefix, tabs, selected, onSelect, className }: Props<K>) {
  const list = useRef<HTMLDivElement>(null);
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const index = tabs.findIndex((t) => t.key === selected);
    const next = movedIndex(event.key, index, tabs.length);
    const tab = next === undefined ? undefined : tabs[next];
    if (!tab) return;
    event.preventDefault();
    onSelect(tab.key);
    list.current?.querySelector<HTMLElement>(`#${CSS.escape(tabId(idPrefix, tab.key))}`)?.focus();
  };
  return (
    <div ref={list} role="tablist" aria-label={label} className={className ?? 'tabs'} onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.key}
          type="button"
          role="tab"
          id={tabId(idPrefix, t.key)}
          aria-selected={t.key === selected}
          aria-controls={panelId(idPrefix, t.key)}
          tabIndex={t.key === selected ? 0 : -1}
          onClick={() => onSelect(t.key)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
