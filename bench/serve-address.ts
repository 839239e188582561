// What the web-shell benches share: the address a `corral serve` (or a stand-in) prints, and
// the first API call against it.
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The http://127.0.0.1:PORT/?token=T the process prints on stdout; rejects if it exits first. */
export function printedAddress(child: ChildProcessByStdio<null, Readable, null>, what: string): Promise<URL> {
  return new Promise<URL>((resolve, reject) => {
    let said = '';
    child.stdout.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(said);
      if (match) resolve(new URL(match[0]));
    });
    child.once('exit', (code) => reject(new Error(`${what} ended (${code}) before printing its address: ${said}`)));
  });
}

/** listInstances through the API at `address` (its token as the bearer), answer unchecked. */
export async function listInstancesAt(address: URL): Promise<{ ok: boolean; value?: unknown[] }> {
  const response = await fetch(new URL('/api/listInstances', address), {
    method: 'POST',
    headers: { authorization: `Bearer ${address.searchParams.get('token')}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return (await response.json()) as { ok: boolean; value?: unknown[] };
}
