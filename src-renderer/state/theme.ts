// The colour theme: the system's (default), or light or dark as picked in Settings. The choice
// is kept in this browser's localStorage (per origin: the desktop window, or the web shell's
// address) and applied as html[data-theme], which styles.css reads.
import { create } from 'zustand';

export const themes = ['system', 'light', 'dark'] as const;
export type Theme = (typeof themes)[number];

/** Where the choice is stored, as Settings tells the user. */
export const themeStorageKey = 'corral.theme';

function stored(): Theme {
  try {
    const value = localStorage.getItem(themeStorageKey);
    return themes.find((t) => t === value) ?? 'system';
  } catch {
    return 'system'; // storage can be denied (private modes); the system's scheme then
  }
}

function apply(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

interface ThemeState {
  theme: Theme;
  setTheme(theme: Theme): void;
}

export const useTheme = create<ThemeState>((set) => ({
  theme: stored(),
  setTheme(theme) {
    try {
      localStorage.setItem(themeStorageKey, theme);
    } catch {
      // Not stored: it still applies to this page until it is reloaded.
    }
    apply(theme);
    set({ theme });
  },
}));

apply(useTheme.getState().theme);

const darkQuery = '(prefers-color-scheme: dark)';

/** Whether the page is dark now: the picked theme, or the system's. */
export function isDark(): boolean {
  const theme = useTheme.getState().theme;
  return theme === 'system' ? matchMedia(darkQuery).matches : theme === 'dark';
}

/** Calls `listener` whenever the page turns light or dark (a new pick, or the system changing). */
export function onDarkChange(listener: () => void): () => void {
  const scheme = matchMedia(darkQuery);
  scheme.addEventListener('change', listener);
  const stop = useTheme.subscribe(listener);
  return () => {
    scheme.removeEventListener('change', listener);
    stop();
  };
}
