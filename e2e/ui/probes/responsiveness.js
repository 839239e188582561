// Injected into the page before the app loads (page.addInitScript): notes when each pushed
// instance-status event arrives on the WebSocket, collects Chromium's long tasks, and lets a
// test wait for a status badge to show a state and learn how long after the push that was.
// Plain JavaScript: it runs in the page as is, and the Node tsconfig has no DOM types.
/* global window, document, MutationObserver, requestAnimationFrame, CSS */
(() => {
  const pushedAt = new Map();
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      // Registered before the app's own handler, so the time is the message's arrival.
      this.addEventListener('message', (event) => {
        if (typeof event.data !== 'string' || !event.data.includes('"instance-status"')) return;
        const message = JSON.parse(event.data);
        if (message.type === 'event' && message.event.type === 'instance-status') {
          pushedAt.set(`${message.event.name}:${message.event.state}`, performance.now());
        }
      });
    }
  };
  const longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });

  window.corralProbe = {
    now: () => performance.now(),
    longTasksSince: (since) => longTasks.filter((task) => task.start >= since),
    /** Resolves with ms from the pushed event to the next frame after the badge shows `state`. */
    badgeLatency(name, state, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const badge = document.querySelector(`[data-testid="status-${CSS.escape(name)}"]`);
          if (!badge || !badge.textContent.startsWith(state)) return;
          const pushed = pushedAt.get(`${name}:${state}`);
          observer.disconnect();
          clearTimeout(timer);
          if (pushed === undefined) return reject(new Error(`${name} shows ${state} without a pushed event`));
          requestAnimationFrame(() => resolve(performance.now() - pushed));
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`${name} never showed ${state} within ${timeoutMs} ms`));
        }, timeoutMs);
      });
    },
  };
})();
