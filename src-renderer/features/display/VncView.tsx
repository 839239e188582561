// The embedded screen: noVNC's RFB client, on the web shell's /vnc/NAME WebSocket or, in the
// Electron window, on a channel over the preload bridge (display-target.ts picks).
// Loaded lazily: noVNC is only fetched when someone opens the display tab.
import { useEffect, useRef, useState } from 'react';
import type RFB from '@novnc/novnc';
import { displayTarget } from './display-target.ts';

type Phase = { kind: 'connecting' } | { kind: 'connected' } | { kind: 'ended'; reason: string };

export default function VncView({ name, password }: { name: string; password: string }) {
  const target = useRef<HTMLDivElement>(null);
  const rfb = useRef<RFB | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'connecting' });
  const [guestClipboard, setGuestClipboard] = useState('');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const element = target.current;
    if (!element) return;
    let cancelled = false;
    setPhase({ kind: 'connecting' });
    void import('@novnc/novnc').then(({ default: Rfb }) => {
      if (cancelled) return;
      const transport = displayTarget(name);
      const client = new Rfb(element, transport, { credentials: { password }, wsProtocols: ['binary'] });
      client.scaleViewport = true;
      client.background = 'var(--panel)';
      client.addEventListener('connect', () => setPhase({ kind: 'connected' }));
      client.addEventListener('disconnect', (event) => {
        const clean = (event as CustomEvent<{ clean: boolean }>).detail.clean;
        // The bridge channel knows why (the engine's message); a WebSocket's close tells nothing useful.
        const why = typeof transport === 'string' ? undefined : transport.endReason;
        setPhase({ kind: 'ended', reason: clean ? 'The display was closed.' : `The connection to the display was lost${why ? `: ${why}` : ''}.` });
      });
      client.addEventListener('securityfailure', (event) => {
        const detail = (event as CustomEvent<{ status: number; reason?: string }>).detail;
        setPhase({ kind: 'ended', reason: `The display refused the password${detail.reason ? `: ${detail.reason}` : ''}.` });
      });
      client.addEventListener('clipboard', (event) => setGuestClipboard((event as CustomEvent<{ text: string }>).detail.text));
      rfb.current = client;
    }).catch((error: unknown) => setPhase({ kind: 'ended', reason: `The display viewer failed to load: ${String(error)}` }));
    return () => {
      cancelled = true;
      rfb.current?.disconnect();
      rfb.current = null;
    };
  }, [name, password, attempt]);

  return (
    <div className="vnc">
      <div className="vnc-bar" role="toolbar" aria-label="Display controls">
        <span role="status" className="console-status">
          {phase.kind === 'connecting' ? 'Connecting to the display…' : phase.kind === 'connected' ? 'Connected' : phase.reason}
        </span>
        <button type="button" disabled={phase.kind !== 'connected'} onClick={() => rfb.current?.sendCtrlAltDel()}>Send Ctrl-Alt-Del</button>
        {phase.kind === 'ended' ? <button type="button" onClick={() => setAttempt((n) => n + 1)}>Reconnect</button> : null}
      </div>
      <div ref={target} className="vnc-screen" data-testid="vnc-screen" />
      <details className="vnc-clipboard">
        <summary>Clipboard</summary>
        <label htmlFor={`vnc-clip-${name}`}>Text to send to the guest, or the guest&apos;s last copied text</label>
        <textarea
          id={`vnc-clip-${name}`}
          rows={3}
          value={guestClipboard}
          onChange={(event) => setGuestClipboard(event.target.value)}
        />
        <button type="button" disabled={phase.kind !== 'connected'} onClick={() => rfb.current?.clipboardPasteFrom(guestClipboard)}>
          Send to guest clipboard
        </button>
      </details>
    </div>
  );
}
