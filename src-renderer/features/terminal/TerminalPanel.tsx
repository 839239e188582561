// The Terminal tab: any number of SSH login shells in the guest, each in its own xterm, with a
// "New terminal" action and a close button per terminal (in its panel: a tab list holds only
// tabs; arrow keys, Home and End move between them, as on the page's tabs). Terminals stay open
// (hidden) while another one or another tab is shown, and while the user is on another page (sessions.ts keeps them). New terminals are disabled, with the
// reason, while the instance does not run, has no SSH endpoint (a driver without SSH, or a
// start from before Corral recorded one), or SSH has not let the host agent in yet during this
// boot (guest.sshSince), whatever the boot script's phase.
import type { Instance } from '../../../src-main/api/contract.ts';
import { closeTerminalSession, openTerminalSession, useTerminals } from './sessions.ts';
import type { TerminalEntry, TerminalStatus } from './sessions.ts';
import { TerminalView } from './TerminalView.tsx';
import { TabList, panelId, tabId } from '../../ui/TabList.tsx';

const noTerminals: TerminalEntry[] = [];

/** Why no terminal can be opened now, or undefined when one can. */
export function terminalUnavailable(instance: Instance): string | undefined {
  if (instance.state !== 'Running') return `Terminals open while the instance runs; it is ${instance.state.toLowerCase()}.`;
  if (!instance.ssh) return `This instance has no SSH endpoint: its driver does not forward SSH, or it was started before Corral recorded one (restart it).`;
  const guest = instance.guest;
  // No status for this boot: nothing follows its SSH, so nothing to wait for.
  if (!guest || sshAnswered(guest)) return undefined;
  if (guest.phase === 'timeout') return 'Corral could not log in over SSH before this boot timed out; restart the instance to try again.';
  return 'Waiting for the guest’s SSH… New terminal turns on by itself once SSH lets Corral in.';
}

/** Whether SSH has let the host agent in during this boot. */
export function sshAnswered(guest: NonNullable<Instance['guest']>): boolean {
  if (guest.sshSince !== undefined) return true;
  // An agent from before sshSince existed reached these phases only through SSH.
  return guest.phase === 'provisioning' || guest.phase === 'probing' || guest.phase === 'ready' || guest.failure !== undefined;
}

export function TerminalPanel({ instance }: { instance: Instance }) {
  const terminals = useTerminals((state) => state.byInstance[instance.name] ?? noTerminals);
  const selected = useTerminals((state) => state.selected[instance.name]);
  const select = useTerminals((state) => state.select);
  const unavailable = terminalUnavailable(instance);
  const open = (): void => void openTerminalSession(instance.name);
  const close = (number: number): void => closeTerminalSession(instance.name, number);
  const current = terminals.some((t) => t.number === selected) ? selected : terminals.at(-1)?.number;

  return (
    <div className="terminals">
      <div className="terminal-bar">
        {terminals.length > 0 ? (
          <TabList
            label="Terminals"
            idPrefix="terminal"
            className="tabs terminal-tabs"
            tabs={terminals.map((t) => ({ key: String(t.number), label: `Terminal ${t.number}${t.status.kind === 'ended' ? ' (ended)' : ''}` }))}
            selected={String(current)}
            onSelect={(key) => select(instance.name, Number(key))}
          />
        ) : <span className="terminal-tabs" />}
        <button type="button" className="primary" onClick={open} disabled={unavailable !== undefined} aria-describedby={unavailable ? 'terminal-unavailable' : undefined}>
          New terminal
        </button>
      </div>
      {unavailable ? <p id="terminal-unavailable" className="console-status">{unavailable}</p> : null}
      {!unavailable && terminals.length === 0 ? (
        <p className="console-status">New terminal opens a login shell in the guest over SSH, as <code>{instance.ssh?.user}</code>.</p>
      ) : null}
      {terminals.map((t) => (
        <div key={t.number} role="tabpanel" id={panelId('terminal', String(t.number))} aria-labelledby={tabId('terminal', String(t.number))} hidden={t.number !== current}>
          <div className="terminal-head">
            <p className="console-status" role="status">{statusLine(t.status)}</p>
            <button type="button" onClick={() => close(t.number)}>Close terminal {t.number}</button>
          </div>
          <TerminalView name={instance.name} number={t.number} visible={t.number === current} />
        </div>
      ))}
    </div>
  );
}

function statusLine(status: TerminalStatus): string {
  if (status.kind === 'connecting') return 'Connecting over SSH…';
  if (status.kind === 'open') return 'Connected: a login shell in the guest.';
  return `Terminal ended: ${status.reason}. Close it, or open a new one.`;
}
