// The colours and font every xterm in the app uses (serial console, SSH terminals), following
// the page's light or dark theme (Settings, or the system's), also when it changes while a terminal is open.
import type { ITerminalOptions, Terminal } from '@xterm/xterm';
import { isDark, onDarkChange } from '../state/theme.ts';
// xterm's default ANSI colours are made for a black background: on the light one its bright
// green (a Debian prompt) and yellow are unreadable. These keep WCAG AA contrast on each.
const themes = {
  dark: {
    background: '#111418', foreground: '#e6e6e6', cursor: '#e6e6e6',
    black: '#80868b', red: '#f28b82', green: '#81c995', yellow: '#fdd663', blue: '#8ab4f8', magenta: '#d7aefb', cyan: '#78d9ec', white: '#e6e6e6',
    brightBlack: '#9aa0a6', brightRed: '#f6aea9', brightGreen: '#a8dab5', brightYellow: '#fde293', brightBlue: '#aecbfa', brightMagenta: '#e9d2fd', brightCyan: '#a1e4f2', brightWhite: '#ffffff',
  },
  light: {
    background: '#fbfbfb', foreground: '#1d1d1d', cursor: '#1d1d1d',
    black: '#1d1d1d', red: '#b3261e', green: '#1a7f37', yellow: '#7d5c00', blue: '#0b57d0', magenta: '#8e24aa', cyan: '#00707a', white: '#55595f',
    brightBlack: '#55595f', brightRed: '#a4161a', brightGreen: '#116329', brightYellow: '#6b4b00', brightBlue: '#0842a0', brightMagenta: '#7b1fa2', brightCyan: '#005f66', brightWhite: '#33373c',
  },
};

/** The options shared by every terminal, in the scheme shown now. */
export function xtermOptions(): ITerminalOptions {
  return {
    cursorBlink: true,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
    fontSize: 14,
    theme: isDark() ? themes.dark : themes.light,
    screenReaderMode: false,
  };
}

/** Keeps `terminal`'s colours in the page's theme; returns the unsubscribe. */
export function followColourScheme(terminal: Terminal): () => void {
  return onDarkChange(() => {
    terminal.options.theme = isDark() ? themes.dark : themes.light;
  });
}
