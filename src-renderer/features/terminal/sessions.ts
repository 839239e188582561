// The page's SSH terminals, kept outside React so that they outlive the instance page: leaving
// it (for the list, another instance, the downloads) and coming back finds each shell as it
// was, still connected, with what it printed meanwhile, for as long as the engine keeps its
// stream. Each session owns its xterm and the element it draws in; a view only lends that
// element a place in the page. Keys typed while the shell is still being opened are kept and
// sent, in order, once it is.
import { create } from 'zustand';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import type { TerminalStream } from '../../../src-main/api/contract.ts';
import { api } from '../../api/index.ts';
import { errorMessage } from '../../api/errors.ts';
import { followColourScheme, xtermOptions } from '../../ui/xterm-theme.ts';

export type TerminalStatus = { kind: 'connecting' } | { kind: 'open' } | { kind: 'ended'; reason: string };

export interface TerminalEntry {
  /** Unique per instance for the page's life: keys the view and names its tab. */
  number: number;
  status: TerminalStatus;
}

interface TerminalsState {
  /** Each instance's terminals, in the order they were opened. */
  byInstance: Record<string, TerminalEntry[]>;
  /** The terminal shown in each instance's Terminal tab. */
  selected: Record<string, number | undefined>;
  /** Each instance's next terminal number. */
  next: Record<string, number>;
  setStatus(name: string, number: number, status: TerminalStatus): void;
  select(name: string, number: number): void;
}

export const useTerminals = create<TerminalsState>((set) => ({
  byInstance: {},
  selected: {},
  next: {},
  setStatus: (name, number, status) => set((s) => ({
    byInstance: { ...s.byInstance, [name]: (s.byInstance[name] ?? []).map((t) => (t.number === number ? { ...t, status } : t)) },
  })),
  select: (name, number) => set((s) => ({ selected: { ...s.selected, [name]: number } })),
}));

/** The live part of each terminal (xterm, stream), by `name#number`. */
const sessions = new Map<string, TerminalSession>();
const sessionKey = (name: string, number: number): string => `${name}#${number}`;

export class TerminalSession {
  readonly #name: string;
  readonly #number: number;
  readonly #terminal = new Terminal(xtermOptions());
  readonly #fit = new FitAddon();
  /** Where the xterm draws; moved into whichever view shows this terminal. */
  readonly element = document.createElement('div');
  readonly #encoder = new TextEncoder();
  #stream: TerminalStream | undefined;
  /** Keys typed before the shell was open. */
  #typedEarly: string[] = [];
  #started = false;
  #closed = false;
  #stopFollowing: () => void = () => undefined;

  constructor(name: string, number: number, label: string) {
    this.#name = name;
    this.#number = number;
    this.element.className = 'terminal';
    this.element.dataset.testid = 'ssh-terminal';
    this.element.setAttribute('role', 'region');
    this.element.setAttribute('aria-label', `${label}: a shell in ${name}`);
    this.#terminal.loadAddon(this.#fit);
    this.#terminal.onResize((size) => {
      this.#showSize(size);
      this.#stream?.resize(size);
    });
    this.#terminal.onData((text) => {
      if (this.#stream) void this.#stream.write(this.#encoder.encode(text));
      else if (!this.#closed) this.#typedEarly.push(text);
    });
  }

  /** Puts the terminal in `slot` (a view's place in the page); the first time, opens the shell at the size it gets there. */
  attach(slot: HTMLElement): void {
    slot.append(this.element);
    if (!this.#started) {
      this.#started = true;
      this.#terminal.open(this.element); // xterm measures its font here: only once in the page
      this.#stopFollowing = followColourScheme(this.#terminal);
      this.#fit.fit();
      this.#connect();
    } else {
      this.fit();
    }
    this.#showSize(this.#terminal);
  }

  /** Takes the terminal out of the page; the shell and its output carry on. */
  detach(): void {
    this.element.remove();
  }

  /** Refits to the element's size (shown again, the window resized); a hidden terminal has none. */
  fit(): void {
    if (this.element.isConnected && this.element.offsetParent !== null) this.#fit.fit();
  }

  focus(): void {
    this.#terminal.focus();
  }

  close(): void {
    this.#closed = true;
    this.#typedEarly = [];
    void this.#stream?.close();
    this.#stopFollowing();
    this.#terminal.dispose();
    this.element.remove();
  }

  #connect(): void {
    const status = (value: TerminalStatus): void => useTerminals.getState().setStatus(this.#name, this.#number, value);
    api.openTerminal({ name: this.#name, cols: this.#terminal.cols, rows: this.#terminal.rows }).then((opened) => {
      if (this.#closed) return void opened.close();
      // A refit while the shell was being opened: the pty was made at the old size.
      opened.resize({ cols: this.#terminal.cols, rows: this.#terminal.rows });
      opened.onData((bytes) => this.#terminal.write(bytes));
      opened.onEnd((reason) => {
        if (this.#closed) return;
        this.#terminal.write(`\r\n[${reason}]\r\n`);
        status({ kind: 'ended', reason });
      });
      this.#stream = opened;
      for (const text of this.#typedEarly.splice(0)) void opened.write(this.#encoder.encode(text));
      status({ kind: 'open' });
      if (this.element.isConnected && this.element.offsetParent !== null) this.#terminal.focus();
    }, (error: unknown) => {
      if (!this.#closed) status({ kind: 'ended', reason: errorMessage(error) });
    });
  }

  /** The size in characters, for tests and for anyone inspecting the page. */
  #showSize({ cols, rows }: { cols: number; rows: number }): void {
    this.element.dataset.cols = String(cols);
    this.element.dataset.rows = String(rows);
  }
}

/** Opens a new terminal for the instance: listed at once (connecting), its shell opened when first shown. */
export function openTerminalSession(name: string): number {
  const next = useTerminals.getState().next[name] ?? 1;
  sessions.set(sessionKey(name, next), new TerminalSession(name, next, `Terminal ${next}`));
  useTerminals.setState((s) => ({
    next: { ...s.next, [name]: next + 1 },
    byInstance: { ...s.byInstance, [name]: [...(s.byInstance[name] ?? []), { number: next, status: { kind: 'connecting' } }] },
    selected: { ...s.selected, [name]: next },
  }));
  return next;
}

export function terminalSession(name: string, number: number): TerminalSession | undefined {
  return sessions.get(sessionKey(name, number));
}

/** Ends the shell and forgets the terminal; the tab shown becomes the last one left. */
export function closeTerminalSession(name: string, number: number): void {
  sessions.get(sessionKey(name, number))?.close();
  sessions.delete(sessionKey(name, number));
  useTerminals.setState((s) => {
    const rest = (s.byInstance[name] ?? []).filter((t) => t.number !== number);
    const selected = s.selected[name] === number ? rest.at(-1)?.number : s.selected[name];
    return { byInstance: { ...s.byInstance, [name]: rest }, selected: { ...s.selected, [name]: selected } };
  });
}
