// The live figures one page watches, over whatever carries its messages (the web shell's
// WebSocket, the Electron window's IPC session): the page sends the set of instances it shows
// (stats-watch), and gets their samples in batches, a few messages a second, however many
// instances run: 200 VMs sampled each second are 4 messages, not 200, and the page renders
// once per message.
import type { ClientMessage, CorralApi, ServerMessage, StatsSample } from '../api/contract.ts';

/** How long samples gather before they leave together. */
export const statsBatchMs = 1000;

type StatsWatch = Extract<ClientMessage, { type: 'stats-watch' }>;

export interface StatsMux {
  /** Handles a stats-watch message, already parsed with clientMessageSchema. */
  receive(message: StatsWatch): void;
  /** The page is gone: every watch ends. */
  close(): void;
}

export function openStatsMux(api: Pick<CorralApi, 'watchStats'>, send: (message: ServerMessage) => void): StatsMux {
  const watches = new Map<string, () => void>();
  let samples = new Map<string, StatsSample>();
  let ended = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const flush = (): void => {
    timer = undefined;
    if (closed || (samples.size === 0 && ended.size === 0)) return;
    send({
      type: 'stats',
      samples: [...samples].map(([name, sample]) => ({ name, sample })),
      ended: [...ended].map(([name, reason]) => ({ name, reason })),
    });
    samples = new Map();
    ended = new Map();
  };
  const soon = (): void => {
    timer ??= setTimeout(flush, statsBatchMs);
  };

  const watch = (name: string): void => {
    watches.set(name, api.watchStats(name, (update) => {
      if (update.type === 'sample') {
        samples.set(name, update.sample); // a newer sample of the same instance replaces one not sent yet
        ended.delete(name);
      } else {
        samples.delete(name);
        ended.set(name, update.reason);
      }
      soon();
    }));
  };

  return {
    receive({ names }) {
      if (closed) return;
      const wanted = new Set(names);
      for (const [name, stop] of watches) {
        if (wanted.has(name)) continue;
        stop();
        watches.delete(name);
        samples.delete(name);
        ended.delete(name);
      }
      for (const name of wanted) if (!watches.has(name)) watch(name);
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      for (const stop of watches.values()) stop();
      watches.clear();
    },
  };
}
