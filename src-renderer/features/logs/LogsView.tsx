// The instance's logs (its driver's, and the VM's own files), newest part of each. "Follow"
// reads them again each second and keeps each log scrolled to its end, as `tail -f` would;
// a search marks every match in every log, and Next / Previous (Enter / Shift+Enter) step
// through them; each log copies whole to the clipboard.
import { useQuery } from '@tanstack/react-query';
import { useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { LogFile } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { findMatches } from './search.ts';
import { withoutTerminalControls } from './terminal-text.ts';
import type { Match } from './search.ts';

/** How often Follow reads the logs again. */
const followMs = 1000;

export function LogsView({ name }: { name: string }) {
  const [follow, setFollow] = useState(false);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const logs = useQuery({ queryKey: ['logs', name], queryFn: () => api.readLogs({ name }), refetchInterval: follow ? followMs : false });
  const readable = useMemo(() => logs.data?.map((log) => ({ ...log, text: withoutTerminalControls(log.text) })), [logs.data]);
  const matches = useMemo(() => (readable ?? []).map((log) => findMatches(log.text, query)), [readable, query]);
  const total = matches.reduce((sum, m) => sum + m.length, 0);
  const active = total === 0 ? -1 : ((current % total) + total) % total;
  const step = (by: number): void => setCurrent((c) => c + by);
  const onKey = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    step(event.shiftKey ? -1 : 1);
  };
  let offset = 0;
  return (
    <div className="logs">
      <div className="logs-tools">
        <button type="button" onClick={() => void logs.refetch()} disabled={logs.isFetching || follow}>Refresh logs</button>
        <label className="logs-follow"><input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow</label>
        <input
          type="search" aria-label="Search the logs" placeholder="Search the logs" value={query}
          onChange={(e) => { setQuery(e.target.value); setCurrent(0); }} onKeyDown={onKey}
        />
        <button type="button" onClick={() => step(-1)} disabled={total === 0}>Previous</button>
        <button type="button" onClick={() => step(1)} disabled={total === 0}>Next</button>
        <span role="status" className="logs-count" data-testid="logs-count">{query ? (total === 0 ? 'No matches' : `${active + 1} of ${total}`) : ''}</span>
      </div>
      {logs.isError ? <p role="alert">Could not read the logs: {errorMessage(logs.error)}</p> : null}
      {readable?.length === 0 ? <p>This instance has no logs yet.</p> : null}
      {readable?.map((log, i) => {
        const first = offset;
        offset += matches[i]?.length ?? 0;
        return <LogSection key={log.name} log={log} matches={matches[i] ?? []} active={active - first} follow={follow} />;
      })}
    </div>
  );
}

interface SectionProps {
  log: LogFile;
  matches: Match[];
  /** Which of this log's matches is the current one (out of range: none here). */
  active: number;
  follow: boolean;
}

function LogSection({ log, matches, active, follow }: SectionProps) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<string | undefined>();
  // Layout effects: the scroll is set before the browser paints the new lines, never a frame late.
  useLayoutEffect(() => {
    const element = pre.current;
    if (follow && element && active < 0) element.scrollTop = element.scrollHeight;
  }, [follow, log.text, active]);
  useLayoutEffect(() => {
    const element = pre.current;
    const mark = element?.querySelector<HTMLElement>('mark.current');
    if (!element || !mark) return;
    // The log scrolls, not the page: the mark's offset is within the pre (position: relative).
    const top = mark.offsetTop;
    if (top < element.scrollTop || top + mark.offsetHeight > element.scrollTop + element.clientHeight) {
      element.scrollTop = top - element.clientHeight / 2;
    }
  }, [active, matches]);
  const copy = (): void => {
    navigator.clipboard.writeText(log.text).then(() => setCopied('Copied'), (error: unknown) => setCopied(`Could not copy: ${errorMessage(error)}`));
  };
  return (
    <section aria-label={`Log ${log.name}`}>
      <div className="logs-head">
        <h3>{log.name}</h3>
        {/* The driver's log is one file for all its instances; the engine keeps this one's entries: say so. */}
        {log.name.startsWith('driver ') ? <span className="help logs-note">This instance’s entries and the driver’s own; other instances’ are left out.</span> : null}
        <button type="button" onClick={copy} aria-label={`Copy ${log.name}`} disabled={!log.text}>Copy</button>
        <span role="status" className="logs-count">{copied}</span>
      </div>
      <pre tabIndex={0} ref={pre}>{log.text ? highlighted(log.text, matches, active) : '(empty)'}</pre>
    </section>
  );
}

/** The text with each match in a <mark>, the current one marked as such. */
function highlighted(text: string, matches: Match[], active: number): (string | React.JSX.Element)[] {
  const parts: (string | React.JSX.Element)[] = [];
  let at = 0;
  matches.forEach((match, i) => {
    parts.push(text.slice(at, match.start));
    parts.push(<mark key={match.start} className={i === active ? 'current' : undefined}>{text.slice(match.start, match.end)}</mark>);
    at = match.end;
  });
  parts.push(text.slice(at));
  return parts;
}
