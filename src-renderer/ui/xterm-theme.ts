// The colours and font every xterm in the app uses (serial console, SSH terminals), following
// the system's light or dark scheme, also when it changes while a terminal is open.
import type { ITerminalOptions, Terminal } from '@xterm/xterm';

const darkQuery = '(prefers-color-scheme: dark)';
const themes = {
  dark: { background: '#111418', foreground: '#e6e6e6', cursor: '#e6e6e6' },
  light: { background: '#fbfbfb', foreground: '#1d1d1d', cursor: '#1d1d1d' },
};

/** The options shared by every terminal, in the scheme shown now. */
export function xtermOptions(): ITerminalOptions {
  return {
    cursorBlink: true,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
    fontSize: 14,
    theme: matchMedia(darkQuery).matches ? themes.dark : themes.light,
    screenReaderMode: false,
  };
}

/** Keeps `terminal`'s colours in the system's scheme; returns the unsubscribe. */
export function followColourScheme(terminal: Terminal): () => void {
  const scheme = matchMedia(darkQuery);
  const follow = (): void => {
    terminal.options.theme = scheme.matches ? themes.dark : themes.light;
  };
  scheme.addEventListener('change', follow);
  return () => scheme.removeEventListener('change', follow);
}
