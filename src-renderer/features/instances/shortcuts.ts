// The app's keyboard shortcuts: one list, which the key handler and the help sheet both read.
// Single keys, as in Gmail or GitHub: they act only when no text field, terminal, menu or dialog
// has the keys, and never with Ctrl, Alt or Meta (the browser's and the OS's own).
import { create } from 'zustand';

export interface Shortcut {
  key: string;
  /** How the help sheet writes the key. */
  shown: string;
  does: string;
}

export const shortcuts: Shortcut[] = [
  { key: 'n', shown: 'N', does: 'New instance' },
  { key: '/', shown: '/', does: 'Search instances' },
  { key: 's', shown: 'S', does: 'Start, stop or resume the instance on its page' },
  { key: 'Backspace', shown: 'Backspace', does: 'Back to all instances from an instance page' },
  { key: '?', shown: '?', does: 'Show these shortcuts' },
  { key: 'Escape', shown: 'Esc', does: 'Close a menu or dialog' },
];

/** Whether the help sheet is open (the "?" key and the list's button open it). */
export const useShortcutHelp = create<{ open: boolean; setOpen(open: boolean): void }>((set) => ({
  open: false,
  setOpen: (open) => set({ open }),
}));

interface KeyFacts {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  /** The element that has the focus, as far as the decision needs it. */
  target: { tagName: string; isContentEditable: boolean; insideWidget: boolean };
}

/** Whether a key press is for the shortcuts rather than for what has the focus. */
export function isShortcutKey(event: KeyFacts): boolean {
  if (event.ctrlKey || event.altKey || event.metaKey) return false;
  const { tagName, isContentEditable, insideWidget } = event.target;
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(tagName) || isContentEditable || insideWidget) return false;
  return shortcuts.some((s) => s.key === event.key && s.key !== 'Escape');
}
