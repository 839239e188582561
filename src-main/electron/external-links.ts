// Links the app window may hand to the system browser: a guest's forwarded port, shown as
// http://127.0.0.1:PORT/ on the instance page. Only loopback http(s) addresses without
// credentials qualify; the window itself still opens and navigates to nothing (security.ts).
export type OpenExternal = (url: string) => void;

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `url` is an http(s) address on this computer's loopback interface, and nothing else. */
export function isLoopbackHttpUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:')
    && loopbackHosts.has(parsed.hostname)
    && parsed.username === '' && parsed.password === '';
}

/** Opens `url` in the system browser if it is a loopback http(s) address; says whether it did. */
export function openLoopbackLink(url: string, openExternal: OpenExternal | undefined): boolean {
  if (!openExternal || !isLoopbackHttpUrl(url)) return false;
  openExternal(url);
  return true;
}
