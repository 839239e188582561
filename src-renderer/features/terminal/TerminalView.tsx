// One SSH terminal in xterm.js: a login shell in the guest on a pty that the engine opens at
// this xterm's size and resizes whenever the xterm refits (the guest gets SIGWINCH, so
// `stty size` and full-screen programs follow the window). Unlike the serial console it is
// not reattached by itself: a shell that ended (`exit`, guest stopped) is gone, and the
// view says why; the panel offers a new one.
import { useEffect, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { TerminalStream } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { followColourScheme, xtermOptions } from '../../ui/xterm-theme.ts';

export type TerminalStatus = { kind: 'connecting' } | { kind: 'open' } | { kind: 'ended'; reason: string };

export function TerminalView({ name, label, visible, onStatus }: {
  name: string;
  /** "Terminal 1": names the region for screen readers. */
  label: string;
  /** Shown now: a hidden terminal has no size to fit to, so it refits when shown again. */
  visible: boolean;
  onStatus(status: TerminalStatus): void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const terminalRef = useRef<Terminal | undefined>(undefined);
  // The parent's callback may change identity at every render; the effect below must not rerun for that.
  const report = useRef(onStatus);
  report.current = onStatus;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const terminal = new Terminal(xtermOptions());
    terminalRef.current = terminal;
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    const stopFollowing = followColourScheme(terminal);
    terminal.open(element);
    fit.fit();
    // The size in characters, for tests and for anyone inspecting the page.
    const showSize = ({ cols, rows }: { cols: number; rows: number }): void => {
      element.dataset.cols = String(cols);
      element.dataset.rows = String(rows);
    };
    showSize(terminal);
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(element);
    let stream: TerminalStream | undefined;
    let disposed = false;
    const encoder = new TextEncoder();
    report.current({ kind: 'connecting' });
    terminal.onResize((size) => {
      showSize(size);
      stream?.resize(size);
    });
    api.openTerminal({ name, cols: terminal.cols, rows: terminal.rows }).then((opened) => {
      if (disposed) return void opened.close();
      stream = opened;
      // A refit while the shell was being opened: the pty was made at the old size.
      opened.resize({ cols: terminal.cols, rows: terminal.rows });
      report.current({ kind: 'open' });
      opened.onData((bytes) => terminal.write(bytes));
      opened.onEnd((reason) => {
        if (disposed) return;
        terminal.write(`\r\n[${reason}]\r\n`);
        report.current({ kind: 'ended', reason });
      });
      terminal.onData((text) => void opened.write(encoder.encode(text)));
      terminal.focus();
    }, (error: unknown) => {
      if (!disposed) report.current({ kind: 'ended', reason: errorMessage(error) });
    });
    return () => {
      disposed = true;
      terminalRef.current = undefined;
      resize.disconnect();
      stopFollowing();
      void stream?.close();
      terminal.dispose();
    };
  }, [name]);

  useEffect(() => {
    if (visible) terminalRef.current?.focus();
  }, [visible]);

  return <div ref={box} className="terminal" data-testid="ssh-terminal" role="region" aria-label={`${label}: a shell in ${name}`} />;
}
