// The page's stats watches over its one link to the engine: any number of components watch
// any instances; the engine hears only the set (one stats-watch message per change, sent
// once per turn of the event loop, so 200 rows mounting at once are one message), and again
// after a reconnect. Batched stats messages are handed out per instance.
import type { CorralApi, StatsUpdate } from '../../src-main/api/contract.ts';
import type { EngineChannel } from './channel.ts';

type Listener = (update: StatsUpdate) => void;

export function statsWatcher(socket: EngineChannel): CorralApi['watchStats'] {
  const listeners = new Map<string, Set<Listener>>();
  let queued = false;
  const sendSet = (): void => {
    queued = false;
    socket.send({ type: 'stats-watch', names: [...listeners.keys()] });
  };
  const changed = (): void => {
    if (queued) return;
    queued = true;
    queueMicrotask(sendSet);
  };
  socket.onOpen(() => {
    if (listeners.size > 0) changed();
  });
  socket.on((message) => {
    if (message.type !== 'stats') return;
    for (const { name, sample } of message.samples) for (const listener of listeners.get(name) ?? []) listener({ type: 'sample', sample });
    for (const { name, reason } of message.ended) for (const listener of listeners.get(name) ?? []) listener({ type: 'ended', reason });
  });

  return (name, listener) => {
    let set = listeners.get(name);
    if (!set) {
      set = new Set();
      listeners.set(name, set);
      changed();
    }
    set.add(listener);
    const own = set;
    return () => {
      own.delete(listener);
      if (own.size > 0 || listeners.get(name) !== own) return;
      listeners.delete(name);
      changed();
    };
  };
}
