// The serial console in xterm.js: guest output (history first) is written as it arrives,
// every keystroke goes to the guest, and the terminal refits when its box changes size. The
// new size stays on this side: a serial line has no way to carry a window size to the guest
// (no TIOCSWINSZ over a UART), so a full-screen program there keeps its own idea of the size
// until someone runs `stty cols N rows M` in the guest. The colours follow the system theme,
// also when it changes while the console is open. When the driver process exits (the VM runs
// on), the view says when the driver will be back and attaches again by itself: after
// repeated crashes the driver host waits up to ~10 s before starting it again.
import { useEffect, useRef, useState } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { ConsoleStream } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { followColourScheme, xtermOptions } from '../../ui/xterm-theme.ts';

type Status =
  | { kind: 'connecting' }
  | { kind: 'attached' }
  | { kind: 'ended'; reason: string }
  /** The driver process exited; a new one runs from about `at` (ms since the epoch). */
  | { kind: 'driver-restarting'; at: number };

export function ConsoleView({ name, running }: { name: string; running: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const element = box.current;
    if (!element || !running) return;
    const terminal = new Terminal({ ...xtermOptions(), convertEol: false });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    const stopFollowing = followColourScheme(terminal);
    // The size in characters, for tests and for anyone inspecting the page.
    const showSize = ({ cols, rows }: { cols: number; rows: number }): void => {
      element.dataset.cols = String(cols);
      element.dataset.rows = String(rows);
    };
    terminal.onResize(showSize);
    terminal.open(element);
    fit.fit();
    showSize(terminal);
    const resize = new ResizeObserver(() => fit.fit());
    resize.observe(element);
    const encoder = new TextEncoder();
    let stream: ConsoleStream | undefined;
    let disposed = false;
    // A reattach after a driver restart keeps saying so until the engine has attached again.
    setStatus((now) => (now.kind === 'driver-restarting' ? now : { kind: 'connecting' }));
    api.openConsole(name).then((opened) => {
      if (disposed) return void opened.close();
      stream = opened;
      setStatus({ kind: 'attached' });
      opened.onData((bytes) => terminal.write(bytes));
      opened.onEnd((reason, driverRestartMs) => {
        if (disposed) return;
        if (driverRestartMs === undefined) return setStatus({ kind: 'ended', reason });
        // The engine holds the new open until the driver is back, so ask again at once.
        setStatus({ kind: 'driver-restarting', at: Date.now() + driverRestartMs });
        setAttempt((n) => n + 1);
      });
      terminal.onData((text) => void opened.write(encoder.encode(text)));
      terminal.focus();
    }, (error: unknown) => {
      if (!disposed) setStatus({ kind: 'ended', reason: errorMessage(error) });
    });
    return () => {
      disposed = true;
      resize.disconnect();
      stopFollowing();
      void stream?.close();
      terminal.dispose();
    };
  }, [name, running, attempt]);

  if (!running) return <p className="console-off">The console is available while the instance runs.</p>;
  return (
    <div className="console">
      <p className="console-status" role="status">
        {status.kind === 'connecting' ? 'Attaching to the serial console…' : null}
        {status.kind === 'attached' ? 'Serial console attached: typing goes to the guest.' : null}
        {status.kind === 'driver-restarting' ? <RestartCountdown at={status.at} /> : null}
        {status.kind === 'ended' ? `Console detached: ${status.reason}. ` : null}
        {status.kind === 'ended' ? <button type="button" onClick={() => setAttempt((n) => n + 1)}>Reattach</button> : null}
      </p>
      <div ref={box} className="terminal" data-testid="terminal" aria-label={`Serial console of ${name}`} role="region" />
    </div>
  );
}

/** "driver restarting, retrying in N s", counting down once a second until the driver is due. */
function RestartCountdown({ at }: { at: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (now >= at) return;
    const tick = setTimeout(() => setNow(Date.now()), Math.min(1000, at - now));
    return () => clearTimeout(tick);
  }, [now, at]);
  const seconds = Math.ceil((at - now) / 1000);
  return <>{seconds > 0 ? `The driver is restarting; retrying in ${seconds} s…` : 'The driver is restarting; reattaching…'}</>;
}
