// Where one SSH terminal shows on the instance page. The terminal itself (its xterm, its
// shell's stream, what it printed) belongs to the session store (sessions.ts) and outlives this
// view: mounting lends it a place in the page, unmounting takes it out again.
import { useEffect, useRef } from 'react';
import '@xterm/xterm/css/xterm.css';
import { terminalSession } from './sessions.ts';

export function TerminalView({ name, number, visible }: {
  name: string;
  number: number;
  /** Shown now: a hidden terminal has no size to fit to, so it refits when shown again. */
  visible: boolean;
}) {
  const slot = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = slot.current;
    const session = terminalSession(name, number);
    if (!element || !session) return;
    session.attach(element);
    const resize = new ResizeObserver(() => session.fit());
    resize.observe(element);
    return () => {
      resize.disconnect();
      session.detach();
    };
  }, [name, number]);

  useEffect(() => {
    if (!visible) return;
    const session = terminalSession(name, number);
    session?.fit();
    // Arrow keys on a tab list keep the focus on the tabs (the tabs pattern); a click or a new
    // terminal brings it to the shell.
    const active = document.activeElement;
    const keysOnTabs = active?.getAttribute('role') === 'tab' && active.matches(':focus-visible');
    if (!keysOnTabs) session?.focus();
  }, [name, number, visible]);

  return <div ref={slot} className="terminal-slot" />;
}
