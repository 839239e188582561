import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Downloader } from './index.ts';
import { TestServer } from './test-support/server.ts';
import { randomBody, sha256, tempDir } from './test-support/temp.ts';

let server: TestServer;
before(async () => { server = await TestServer.start(); });
after(async () => { await server.close(); });

const child = fileURLToPath(new URL('./test-support/fetch-child.ts', import.meta.url));

test('two processes fetching one URL at once: one transfer, both get the file', async () => {
  const cache = await tempDir();
  const body = randomBody(4 << 20);
  let open!: () => void;
  const url = server.route('/two.img', { body, gate: new Promise<void>((resolve) => { open = resolve; }) });

  const d = new Downloader({ cacheDir: cache, lockPollMs: 50 });
  const half = once(server, 'half');
  const here = d.fetch({ url, digest: sha256(body) });
  await half; // this process holds the lock and has half the file

  const other = spawn(process.execPath, [child, cache, url, sha256(body)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: other.stdout });
  const messages: Record<string, unknown>[] = [];
  let waiting!: () => void;
  const seenWaiting = new Promise<void>((resolve) => { waiting = resolve; });
  lines.on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>;
    messages.push(message);
    if ('progress' in message) waiting();
  });
  await seenWaiting; // the other process reports progress while it waits for the lock
  open();

  const [mine, [code]] = await Promise.all([here, once(other, 'exit')]);
  const theirs = messages.find((m) => 'result' in m)?.result as { path: string; source: string } | undefined;
  assert.equal(code, 0, JSON.stringify(messages.at(-1)));
  assert.equal(server.count('/two.img'), 1);
  assert.equal(theirs?.path, mine.path);
  assert.equal(theirs?.source, 'cache');
  assert.ok((await fs.readFile(mine.path)).equals(body));
  await d.close();
});
